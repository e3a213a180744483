# "15 يناير 2024"; month names come from Django's Arabic catalogue. Digits stay Western, as
# Django's own Arabic formats keep them.
DATE_FORMAT = "j F Y"
SHORT_DATE_FORMAT = "j F Y"
DATETIME_FORMAT = "j F Y، H:i"
SHORT_DATETIME_FORMAT = "j F Y، H:i"
YEAR_MONTH_FORMAT = "F Y"
MONTH_DAY_FORMAT = "j F"
DECIMAL_SEPARATOR = "\u066b"  # Arabic decimal separator
THOUSAND_SEPARATOR = "\u066c"  # Arabic thousands separator
