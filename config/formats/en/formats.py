# Dates as Satchel has always written them in English ("15 January 2024"), whatever the
# browser's region; templates use these names (|date:"DATE_FORMAT"), never a fixed pattern.
DATE_FORMAT = "j F Y"
SHORT_DATE_FORMAT = "j M Y"
DATETIME_FORMAT = "j F Y, H:i"
SHORT_DATETIME_FORMAT = "j M Y, H:i"
YEAR_MONTH_FORMAT = "M Y"
MONTH_DAY_FORMAT = "j M"
