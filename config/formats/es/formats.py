# "15 de enero de 2024"; month names come from Django's Spanish catalogue.
DATE_FORMAT = r"j \d\e F \d\e Y"
SHORT_DATE_FORMAT = "j M Y"
DATETIME_FORMAT = r"j \d\e F \d\e Y, H:i"
SHORT_DATETIME_FORMAT = "j M Y, H:i"
YEAR_MONTH_FORMAT = r"F \d\e Y"
MONTH_DAY_FORMAT = "j M"
DECIMAL_SEPARATOR = ","
THOUSAND_SEPARATOR = "."
