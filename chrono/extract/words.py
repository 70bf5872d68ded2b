"""Word tables of English dates, defined once: month, weekday, season, number and qualifier
words, read by the date grammar, the sentence splitter and the name finder alike."""

from __future__ import annotations

import calendar
from datetime import date

from dateutil.relativedelta import FR, MO, SA, SU, TH, TU, WE
from dateutil.relativedelta import weekday as Weekday


def words(text: str) -> frozenset[str]:
    """A word list kept as one readable string in the source."""
    return frozenset(text.split())


MONTHS = {name.lower(): i for i, name in enumerate(calendar.month_name) if name}
MONTHS.update({name.lower(): i for i, name in enumerate(calendar.month_abbr) if name})
MONTHS["sept"] = 9
WEEKDAYS: dict[str, Weekday] = {
    "monday": MO,
    "tuesday": TU,
    "wednesday": WE,
    "thursday": TH,
    "friday": FR,
    "saturday": SA,
    "sunday": SU,
}
NUMBER_WORDS: dict[str, int] = {
    "a": 1,
    "an": 1,
    "one": 1,
    "two": 2,
    "three": 3,
    "four": 4,
    "five": 5,
    "six": 6,
    "seven": 7,
    "eight": 8,
    "nine": 9,
    "ten": 10,
    "eleven": 11,
    "twelve": 12,
    "fifteen": 15,
    "twenty": 20,
    "thirty": 30,
    "forty": 40,
    "fifty": 50,
}
MONTH_WORDS = (
    "January|February|March|April|May|June|July|August|September|October|November|"
    "December|Sept|Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sep|Oct|Nov|Dec"
)
WEEKDAY_WORDS = "Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday"
NUMBER = (
    r"\d{1,3}|a\s+couple\s+of|a\s+few|few|several|some|many|an?|one|two|three|four|five|six|"
    r"seven|eight|nine|ten|eleven|twelve|fifteen|twenty|thirty|forty|fifty"
)
MONTH_AND_DAY_NAMES = frozenset(n.lower() for n in (MONTH_WORDS + "|" + WEEKDAY_WORDS).split("|"))

# How far a hedged count may stray, as factors of the count: "nearly two decades" is 16 to 20 years.
HEDGES = {
    "nearly": (0.8, 1.0),
    "almost": (0.8, 1.0),
    "under": (0.5, 1.0),
    "less than": (0.5, 1.0),
    "about": (0.8, 1.2),
    "around": (0.8, 1.2),
    "roughly": (0.8, 1.2),
    "approximately": (0.8, 1.2),
    "some": (0.8, 1.2),
    "over": (1.0, 1.5),
    "more than": (1.0, 1.5),
}
# Days named against the publication date, as an offset in days.
DAY_WORDS = {
    "today": 0,
    "tonight": 0,
    "this morning": 0,
    "this afternoon": 0,
    "this evening": 0,
    "yesterday": -1,
    "last night": -1,
    "tomorrow": 1,
}
NAMED_DATES = {"9/11": date(2001, 9, 11)}
HOLIDAYS = {
    "christmas eve": (12, 24),
    "christmas day": (12, 25),
    "christmas": (12, 25),
    "new year's eve": (12, 31),
    "new year's day": (1, 1),
}
SEASON_CODES = {"spring": 21, "summer": 22, "autumn": 23, "fall": 23, "winter": 24}
QUALIFIER_WORDS = {
    "early": "early",
    "mid": "mid",
    "late": "late",
    "beginning": "early",
    "start": "early",
    "early part": "early",
    "middle": "mid",
    "end": "late",
    "latter part": "late",
}
# How many units a vague count may stand for ("days before", "a few weeks later").
VAGUE_COUNTS = {
    "a few": (2, 5),
    "few": (2, 5),
    "several": (3, 9),
    "some": (2, 12),
    "many": (3, 24),
    "a couple of": (2, 3),
}
BARE_PLURAL = {
    "hour": (1, 23),
    "day": (2, 13),
    "week": (2, 8),
    "month": (2, 11),
    "year": (2, 15),
    "decade": (2, 5),
}
# How far back "in recent weeks" etc. may reach, in days.
RECENT_REACH = {"hour": 2, "day": 14, "week": 91, "month": 365, "year": 3653, "decade": 36525}
# A year after "the"/"a" is only a year when an event noun or a name follows ("the 2020 Doha
# Agreement").
YEAR_NOUNS = words(
    "election elections war attack attacks agreement deal summit conference report budget census "
    "olympics withdrawal invasion crisis earthquake flood floods season campaign law constitution "
    "accord protests uprising revolution coup talks meeting visit ceasefire truce offensive ban "
    "order decree survey strategy plan policy review resolution cup games vote referendum "
    "presidency"
)

# Patterns anchored at the end of the text before a name or date read only this much of it:
# searching a whole run-on sentence for each of its names would take time quadratic in its length.
LOOK_BACK = 80

# Capitals that news copy uses for their states ("Islamabad's envoy"): general English, mapped to
# a state only when the gazetteer has it.
CAPITALS = {
    "Kabul": "Afghanistan",
    "Islamabad": "Pakistan",
    "Tehran": "Iran",
    "Doha": "Qatar",
    "Riyadh": "Saudi Arabia",
    "Washington": "United States",
    "London": "United Kingdom",
    "Moscow": "Russia",
    "Beijing": "China",
    "New Delhi": "India",
    "Delhi": "India",
    "Ankara": "Turkey",
    "Tashkent": "Uzbekistan",
    "Dushanbe": "Tajikistan",
    "Ashgabat": "Turkmenistan",
    "Astana": "Kazakhstan",
    "Bishkek": "Kyrgyzstan",
    "Abu Dhabi": "United Arab Emirates",
    "Cairo": "Egypt",
    "Baghdad": "Iraq",
    "Amman": "Jordan",
    "Damascus": "Syria",
    "Jerusalem": "Israel",
    "Tokyo": "Japan",
    "Paris": "France",
    "Berlin": "Germany",
    "Oslo": "Norway",
    "Kuwait City": "Kuwait",
    "Muscat": "Oman",
    "Manama": "Bahrain",
    "Sanaa": "Yemen",
    "Beirut": "Lebanon",
    "Kyiv": "Ukraine",
}
