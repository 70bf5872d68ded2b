"""Write a synthetic chronology into a data folder: sources.yml, actors.yml, events.yml and
events.jsonl.

    python bench/generate.py --events 1000000 --out bench/out/data [--seed 7]

The shape follows what a real chronology of diplomatic contacts looks like at scale:

- actors with Zipf-skewed activity (a few states and leaders in a large share of events,
  a long tail seen once or twice), persons holding memberships in organizations with
  start/end dates, so organizations have members to expand to;
- dates of mixed precision: days, months, early/mid/late months, years, seasons, spans,
  approximate (~) and uncertain (?), a few resolved from a weekday against an anchor;
- one to four actors per event, roles that suit the event type;
- titles, summaries and quotes composed from a vocabulary of diplomatic verbs, places and
  topics, with Zipf-distributed topic words and a tail of rare words, so full-text queries
  for common and rare words both have something realistic to find;
- types and statuses from chrono.models, contact types most common.

Same --seed, same files, byte for byte. Events are written in random date order, as a bulk
import would deliver them.
"""

from __future__ import annotations

import argparse
import bisect
import itertools
import math
import random
import sys
import time
from datetime import date, timedelta
from pathlib import Path

import msgspec
import yaml

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from chrono.dates import MONTH_NAMES as MONTHS  # noqa: E402
from chrono.models import CONTACT_TYPES, EVENT_TYPES, STATUSES  # noqa: E402

FIRST = [
    "Amina",
    "Omar",
    "Layla",
    "Yusuf",
    "Fatima",
    "Karim",
    "Nadia",
    "Hassan",
    "Samir",
    "Leila",
    "Tariq",
    "Zainab",
    "Rashid",
    "Huda",
    "Bilal",
    "Sana",
    "Imran",
    "Mariam",
    "Farid",
    "Dalia",
    "Jamal",
    "Rania",
    "Khalid",
    "Noor",
    "Anwar",
    "Salma",
    "Walid",
    "Aisha",
    "Nabil",
    "Yasmin",
    "Ahmad",
    "Hiba",
    "Faisal",
    "Lina",
    "Ziad",
    "Reem",
    "Sergei",
    "Elena",
    "Dmitri",
    "Olga",
    "Wei",
    "Mei",
    "Hiroshi",
    "Yuki",
    "Arjun",
    "Priya",
    "Recep",
    "Elif",
    "Jean",
    "Claire",
    "Matteo",
    "Giulia",
    "Hans",
    "Greta",
    "Pedro",
    "Lucia",
    "John",
    "Mary",
    "Ali",
    "Zahra",
    "Mustafa",
    "Nasrin",
    "Babak",
    "Shirin",
    "Abdul",
    "Gulnaz",
    "Ismail",
    "Haleh",
    "Kemal",
    "Ayla",
]
MIDDLE = [
    "",
    "",
    "",
    "",
    "Abdul",
    "bin",
    "al-",
    "Ali",
    "Ghani",
    "Khan",
    "Reza",
    "Said",
    "Hamid",
    "M.",
    "K.",
    "J.",
]
LAST = [
    "Haddad",
    "Mansour",
    "Khalil",
    "Nasser",
    "Saleh",
    "Rahimi",
    "Karimi",
    "Hosseini",
    "Qureshi",
    "Siddiqui",
    "Yousafzai",
    "Durrani",
    "Popal",
    "Barakzai",
    "Hamdan",
    "Zubaidi",
    "Tamimi",
    "Shami",
    "Masri",
    "Halabi",
    "Ivanov",
    "Petrova",
    "Lavrentiev",
    "Zhang",
    "Liu",
    "Tanaka",
    "Sato",
    "Sharma",
    "Iyer",
    "Yilmaz",
    "Demir",
    "Dupont",
    "Laurent",
    "Rossi",
    "Bianchi",
    "Schmidt",
    "Weber",
    "Garcia",
    "Moreno",
    "Smith",
    "Okafor",
    "Mensah",
    "Abubakar",
    "Osman",
    "Farah",
    "Warsame",
    "Haqqani",
    "Muttaqi",
    "Mujahid",
    "Stanekzai",
    "Zaeef",
    "Akhund",
    "Omari",
    "Wardak",
    "Noorzai",
    "Achakzai",
    "Baloch",
    "Marri",
    "Bugti",
    "Jadoon",
    "Abbasi",
]
# Common transliteration variants: an alias spelling for some persons.
VARIANTS = [
    ("ei", "ey"),
    ("ah", "eh"),
    ("ou", "u"),
    ("i", "ee"),
    ("q", "k"),
    ("y", "i"),
    ("ss", "s"),
]

STATES = [
    ("Afghanistan", "Kabul"),
    ("Pakistan", "Islamabad"),
    ("Qatar", "Doha"),
    ("Iran", "Tehran"),
    ("Turkey", "Ankara"),
    ("Egypt", "Cairo"),
    ("Saudi Arabia", "Riyadh"),
    ("United Arab Emirates", "Abu Dhabi"),
    ("Oman", "Muscat"),
    ("Jordan", "Amman"),
    ("Lebanon", "Beirut"),
    ("Syria", "Damascus"),
    ("Iraq", "Baghdad"),
    ("Kuwait", "Kuwait City"),
    ("Bahrain", "Manama"),
    ("Yemen", "Sanaa"),
    ("Russia", "Moscow"),
    ("China", "Beijing"),
    ("India", "New Delhi"),
    ("Uzbekistan", "Tashkent"),
    ("Tajikistan", "Dushanbe"),
    ("Turkmenistan", "Ashgabat"),
    ("Kazakhstan", "Astana"),
    ("Kyrgyzstan", "Bishkek"),
    ("Azerbaijan", "Baku"),
    ("Algeria", "Algiers"),
    ("Morocco", "Rabat"),
    ("Tunisia", "Tunis"),
    ("Libya", "Tripoli"),
    ("Sudan", "Khartoum"),
    ("Somalia", "Mogadishu"),
    ("Ethiopia", "Addis Ababa"),
    ("Kenya", "Nairobi"),
    ("Nigeria", "Abuja"),
    ("South Africa", "Pretoria"),
    ("Indonesia", "Jakarta"),
    ("Malaysia", "Kuala Lumpur"),
    ("Japan", "Tokyo"),
    ("South Korea", "Seoul"),
    ("United States", "Washington"),
    ("United Kingdom", "London"),
    ("France", "Paris"),
    ("Germany", "Berlin"),
    ("Italy", "Rome"),
    ("Spain", "Madrid"),
    ("Norway", "Oslo"),
    ("Switzerland", "Geneva"),
    ("Austria", "Vienna"),
    ("Belgium", "Brussels"),
    ("Netherlands", "The Hague"),
    ("Sweden", "Stockholm"),
    ("Brazil", "Brasilia"),
    ("Mexico", "Mexico City"),
    ("Argentina", "Buenos Aires"),
    ("Canada", "Ottawa"),
    ("Australia", "Canberra"),
]
EXTRA_PLACES = [
    ("Kandahar", "Afghanistan"),
    ("Herat", "Afghanistan"),
    ("Mazar-i-Sharif", "Afghanistan"),
    ("Peshawar", "Pakistan"),
    ("Quetta", "Pakistan"),
    ("Karachi", "Pakistan"),
    ("Lahore", "Pakistan"),
    ("Istanbul", "Turkey"),
    ("Antalya", "Turkey"),
    ("Jeddah", "Saudi Arabia"),
    ("Dubai", "United Arab Emirates"),
    ("Sharm el-Sheikh", "Egypt"),
    ("Mashhad", "Iran"),
    ("Isfahan", "Iran"),
    ("Samarkand", "Uzbekistan"),
    ("Termez", "Uzbekistan"),
    ("Almaty", "Kazakhstan"),
    ("Sochi", "Russia"),
    ("Kazan", "Russia"),
    ("Shanghai", "China"),
    ("Urumqi", "China"),
    ("New York", "United States"),
    ("Munich", "Germany"),
    ("Bonn", "Germany"),
    ("Lausanne", "Switzerland"),
    ("Davos", "Switzerland"),
    ("Gaza", "Palestine"),
    ("Ramallah", "Palestine"),
    ("Erbil", "Iraq"),
    ("Basra", "Iraq"),
    ("Aden", "Yemen"),
    ("Salalah", "Oman"),
    ("Benghazi", "Libya"),
    ("Port Sudan", "Sudan"),
    ("Djibouti", "Djibouti"),
]
ORG_KINDS = [
    "organization",
    "government",
    "government-body",
    "armed-group",
    "media",
    "international-organization",
]
ORG_WORDS = {
    "organization": [
        "Council",
        "Movement",
        "Front",
        "League",
        "Union",
        "Foundation",
        "Party",
        "Alliance",
    ],
    "government": ["Government", "Interim Government", "Administration", "Emirate", "Authority"],
    "government-body": [
        "Ministry of Foreign Affairs",
        "Ministry of Defence",
        "Ministry of Interior",
        "Intelligence Directorate",
        "National Security Council",
        "Parliament",
        "Supreme Court",
        "Central Bank",
        "Presidency",
    ],
    "armed-group": [
        "Brigades",
        "Army",
        "Front",
        "Mujahideen",
        "Battalion",
        "Militia",
        "Liberation Army",
    ],
    "media": ["News", "Television", "Radio", "Gazette", "Times", "Agency", "Review", "Herald"],
    "international-organization": [
        "Commission",
        "Organization",
        "Mission",
        "Assembly",
        "Programme",
        "Office",
        "Forum",
    ],
}
ORG_ADJ = [
    "National",
    "Islamic",
    "Popular",
    "United",
    "Democratic",
    "Revolutionary",
    "Independent",
    "Free",
    "Arab",
    "Eastern",
    "Northern",
    "Southern",
    "Western",
    "Central",
    "Federal",
    "Republican",
    "People's",
    "Regional",
]
ROLES_IN_ORG = [
    "leader",
    "deputy leader",
    "spokesman",
    "acting Foreign Minister",
    "Foreign Minister",
    "Defence Minister",
    "Interior Minister",
    "envoy",
    "chief negotiator",
    "commander",
    "political bureau member",
    "ambassador",
    "head of delegation",
    "senior adviser",
    "director",
    "secretary-general",
    "member",
]

TOPICS = [
    "security",
    "trade",
    "the ceasefire",
    "humanitarian aid",
    "border crossings",
    "refugees",
    "prisoner exchanges",
    "reconstruction",
    "counterterrorism",
    "energy cooperation",
    "the peace process",
    "sanctions",
    "water rights",
    "the transit corridor",
    "railway links",
    "gas pipelines",
    "education for girls",
    "the hostages",
    "elections",
    "the constitution",
    "drug trafficking",
    "airspace access",
    "investment",
    "banking restrictions",
    "frozen assets",
    "visa rules",
    "the embassy reopening",
    "consular services",
    "detained nationals",
    "mining concessions",
    "wheat shipments",
    "the electricity grid",
    "the dam project",
    "nuclear talks",
    "missile tests",
    "military exercises",
    "maritime security",
    "fishing rights",
    "pilgrimage arrangements",
    "diaspora affairs",
    "media freedom",
    "human rights",
    "minority protection",
    "religious affairs",
    "the amnesty",
    "demobilisation",
    "weapons handover",
    "the truce monitors",
    "the prisoner list",
    "the reconciliation council",
    "the transitional government",
    "the interim administration",
    "customs duties",
    "the free trade zone",
    "fuel imports",
    "the power purchase deal",
    "earthquake relief",
    "flood relief",
    "vaccination campaigns",
    "cross-border raids",
    "militant sanctuaries",
]
RARE = [
    "aide-memoire",
    "demarche",
    "laissez-passer",
    "persona non grata",
    "chargé",
    "plenipotentiary",
    "rapprochement",
    "entente",
    "detente",
    "modus vivendi",
    "protocol annex",
    "exequatur",
    "agrément",
    "communiqué annex",
    "memorandum rider",
    "sherpa",
    "interlocutor",
    "backchannel",
    "shuttle diplomacy",
    "good offices",
    "ombudsman",
    "quadrilateral",
    "trilateral",
    "bilateralism",
    "multilateralism",
    "extraterritorial",
    "extradition",
    "asylum",
    "refoulement",
    "condominium",
    "suzerainty",
    "irredentism",
    "casus belli",
    "status quo ante",
    "uti possidetis",
    "jus cogens",
    "pacta sunt servanda",
    "rebus sic stantibus",
    "non-refoulement",
    "démarche",
    "chancery",
    "legation",
    "consulate-general",
    "nunciature",
    "apostolic",
    "caliphate",
    "shura",
    "jirga",
    "loya",
    "ulema",
    "madrasa",
    "hawala",
    "zakat",
    "waqf",
    "fatwa",
    "emirate",
    "sultanate",
    "vilayet",
    "pashtunwali",
    "nanawatai",
    "badal",
    "melmastia",
    "tribal elders",
    "grand assembly",
    "saffron",
    "lapis lazuli",
    "pomegranates",
    "pine nuts",
    "lithium",
    "copper belt",
    "chromite",
    "rare earths",
    "opium",
    "poppy",
    "hashish",
    "methamphetamine",
    "ephedra",
    "qanat",
    "karez",
    "helmand",
    "kajaki",
    "salma dam",
    "kunar river",
    "amu darya",
    "wakhan",
    "durand",
    "torkham",
    "chaman",
    "spin boldak",
    "islam qala",
    "hairatan",
    "sherkhan bandar",
    "zaranj",
    "milak",
    "chabahar",
    "gwadar",
]
ADJECTIVES = [
    "constructive",
    "frank",
    "cordial",
    "productive",
    "tense",
    "brief",
    "lengthy",
    "positive",
    "difficult",
    "substantive",
    "preliminary",
    "extended",
    "unannounced",
    "closed-door",
    "high-level",
    "technical",
    "informal",
    "formal",
    "emergency",
    "routine",
    "historic",
    "rare",
    "fruitful",
    "inconclusive",
]
OFFICIALS = [
    "officials",
    "diplomats",
    "spokesmen",
    "ministers",
    "aides",
    "negotiators",
    "envoys",
    "delegates",
]
SPEAKERS = [
    "a spokesman",
    "a senior official",
    "the foreign ministry",
    "a diplomat familiar with the talks",
    "state media",
    "an aide",
    "the presidency",
    "a statement",
    "a source close to the delegation",
]
COUNTERPARTS = [
    "a foreign delegation",
    "local officials",
    "tribal elders",
    "a visiting envoy",
    "UN officials",
    "community leaders",
    "business leaders",
    "a parliamentary delegation",
]
OUTLETS = [
    "Wire",
    "Gazette",
    "Daily Review",
    "Frontier Post",
    "Tribune",
    "Chronicle",
    "Observer",
    "Herald",
    "Dispatch",
    "Monitor",
    "Courier",
    "Journal",
    "Times",
    "Express",
    "Standard",
    "Bulletin",
]

TITLES = {
    "phone-call": [
        "{a} phones {b}",
        "{a} holds telephone call with {b}",
        "{a} and {b} speak by phone on {topic}",
    ],
    "meeting": [
        "{a} meets {b} in {place}",
        "{a} and {b} meet to discuss {topic}",
        "{a} receives {b}",
    ],
    "visit": [
        "{a} visits {place}",
        "{a} travels to {place} to meet {b}",
        "{a} arrives in {place} on official visit",
    ],
    "talks": [
        "{a} and {b} hold talks on {topic}",
        "Talks between {a} and {b} in {place}",
        "{a} negotiates {topic} with {b}",
    ],
    "conference": [
        "{a} attends conference on {topic} in {place}",
        "{place} conference on {topic} draws {a}",
    ],
    "ceremony": [
        "{a} attends funeral in {place}",
        "{a} attends inauguration in {place}",
        "{a} at ceremony in {place}",
    ],
    "statement": [
        "{a} issues statement on {topic}",
        "{a} comments on {topic}",
        "{a} spokesman addresses {topic}",
    ],
    "condemnation": ["{a} condemns {b} over {topic}", "{a} denounces {b}"],
    "appeal": ["{a} appeals to {b} on {topic}", "{a} calls on {b} to act on {topic}"],
    "praise": ["{a} praises {b} for {topic}", "{a} welcomes {b}'s stance on {topic}"],
    "accusation": ["{a} accuses {b} of obstructing {topic}", "{a} blames {b} for {topic}"],
    "denial": ["{a} denies report on {topic}", "{a} rejects {b} claim about {topic}"],
    "claim-of-responsibility": ["{a} claims responsibility for attack in {place}"],
    "embassy-opening": ["{a} reopens embassy in {place}", "{a} opens mission in {place}"],
    "embassy-closure": ["{a} closes embassy in {place}", "{a} suspends mission in {place}"],
    "agreement": ["{a} and {b} sign agreement on {topic}", "{a} and {b} reach deal on {topic}"],
    "veto": ["{a} vetoes resolution on {topic}"],
    "airstrike": ["{a} carries out airstrikes near {place}", "Airstrikes by {a} hit {place}"],
    "attack": ["{a} attacks positions near {place}", "Attack near {place} attributed to {a}"],
    "assassination": ["{b} killed in {place}", "Assassination of {b} in {place}"],
    "takeover": ["{a} takes control of {place}", "{a} seizes {place}"],
    "clash": ["{a} and {b} clash near {place}", "Clashes between {a} and {b} in {place}"],
    "rally": ["Rally in {place} over {topic}", "{a} supporters rally in {place}"],
    "restriction": ["{a} restricts {topic}", "{a} imposes new rules on {topic}"],
    "arrest": ["{a} arrests {b} in {place}", "{b} detained in {place}"],
    "release": ["{a} releases {b}", "{b} freed in {place}"],
    "aid": ["{a} sends aid to {place}", "{a} pledges assistance for {topic}"],
    "hearing": ["{a} testifies on {topic}", "Hearing on {topic} with {a}"],
    "withdrawal": ["{a} withdraws its forces from {place}"],
}
SUMMARIES = [
    "{A} and {B} discussed {topic} and {topic2} during a {adj} meeting in {place}, {country}.",
    "{A} told {B} that {topic} would top the agenda; {officials} described the exchange as {adj}.",
    "According to {speaker}, {A} raised {topic} with {B} and asked for progress on {topic2}.",
    "The {adj} contact between {A} and {B} focused on {topic}; no joint statement was issued.",
    "{officials} from both sides said {topic} and {topic2} were covered in {place}.",
    "{A} reiterated its position on {topic}, while {B} pressed for guarantees on {topic2}.",
]
QUOTES = [
    "We discussed {topic} and agreed to continue the dialogue, {speaker} said.",
    "The two sides held {adj} talks on {topic} in {place}.",
    "{A} and {B} exchanged views on {topic} and {topic2}.",
    "There was no agreement on {topic}, {speaker} told reporters.",
    "{A} said it was committed to {topic}.",
    "Officials confirmed that {A} met {B} to discuss {topic}.",
]
ROLES = {
    "contact": [
        ("initiator", "recipient"),
        ("host", "visitor"),
        ("participant", "participant"),
        ("visitor", "host"),
    ],
    "statement": [("author", "subject")],
    "conflict": [("attacker", "target")],
    "other": [("author", "target"), ("participant", "subject"), ("mediator", "participant")],
}
CONFLICT = {"airstrike", "attack", "assassination", "takeover", "clash", "arrest"}
STATEMENT = {
    "statement",
    "condemnation",
    "appeal",
    "praise",
    "accusation",
    "denial",
    "claim-of-responsibility",
    "veto",
}
TYPE_WEIGHTS = {t: (9.0 if t in CONTACT_TYPES else 1.0) for t in EVENT_TYPES}
TYPE_WEIGHTS.update(
    {"meeting": 14.0, "phone-call": 12.0, "statement": 6.0, "veto": 0.2, "hearing": 0.5}
)
TYPE_WEIGHTS["withdrawal"] = (
    0.0  # added to the vocabulary later: weightless, the generated data stay as they were
)
STATUS_WEIGHTS = {
    "confirmed": 30,
    "reported": 45,
    "claimed": 8,
    "disputed": 5,
    "denied": 6,
    "unverified": 5,
    "false": 1,
}
assert set(STATUS_WEIGHTS) == set(STATUSES), "a status was added to chrono.models: weigh it here"
WEEKDAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]
SEASONS = {21: "spring", 22: "summer", 23: "autumn", 24: "winter"}
FIRST_YEAR, LAST_YEAR = 1995, 2025


def slug(text: str) -> str:
    out = "".join(c.lower() if c.isalnum() else "-" for c in text)
    return "-".join(p for p in out.split("-") if p)


def zipf_cum(n: int, s: float) -> list[float]:
    return list(itertools.accumulate(1.0 / (r**s) for r in range(1, n + 1)))


class Generator:
    def __init__(self, events: int, seed: int) -> None:
        self.n = events
        self.rng = random.Random(seed)
        self.n_actors = max(300, min(8000, events // 200))
        self.n_sources = max(40, min(5000, events // 250))

    # --- catalogue -----------------------------------------------------------------------
    def actors(self) -> list[dict]:
        rng = self.rng
        actors: list[dict] = []
        taken: set[str] = set()

        def add(actor: dict) -> bool:
            keys = {
                actor["id"],
                actor["name"].casefold(),
                *(a.casefold() for a in actor["aliases"]),
            }
            if keys & taken or actor["id"] in taken:
                return False
            taken.update(keys)
            actors.append(actor)
            return True

        for name, _capital in STATES:
            add({"id": slug(name), "name": name, "kind": "state", "aliases": [], "memberships": []})
        n_orgs = self.n_actors // 4
        while len(actors) < len(STATES) + n_orgs:
            kind = rng.choice(ORG_KINDS)
            country = rng.choice(STATES)[0]
            if kind == "government-body":
                name = f"{rng.choice(ORG_WORDS[kind])} of {country}"
            else:
                name = f"{rng.choice(ORG_ADJ)} {rng.choice(ORG_ADJ)} {rng.choice(ORG_WORDS[kind])}"
                if rng.random() < 0.5:
                    name += f" of {country}"
            initials = "".join(w[0] for w in name.replace("of ", "").split() if w[0].isupper())
            aliases = [initials] if len(initials) >= 3 and rng.random() < 0.6 else []
            add(
                {
                    "id": slug(name),
                    "name": name,
                    "kind": kind,
                    "aliases": aliases,
                    "memberships": [],
                }
            )
        orgs = [a for a in actors if a["kind"] not in ("state", "media")]
        while len(actors) < self.n_actors:
            first, middle = rng.choice(FIRST), rng.choice(MIDDLE)
            if middle == first:
                continue
            name = " ".join(p for p in (first, middle, rng.choice(LAST)) if p).replace(
                "al- ", "al-"
            )
            aliases = []
            if rng.random() < 0.4:
                a, b = rng.choice(VARIANTS)
                variant = name.replace(a, b)
                if variant != name:
                    aliases.append(variant)
            actor = {
                "id": slug(name),
                "name": name,
                "kind": "person",
                "aliases": aliases,
                "memberships": [],
            }
            for _ in range(rng.choice((0, 1, 1, 1, 2))):
                start = rng.randint(FIRST_YEAR - 5, LAST_YEAR - 1)
                end = start + rng.randint(1, 12)
                membership = {
                    "organization": rng.choice(orgs)["id"],
                    "role": rng.choice(ROLES_IN_ORG),
                    "start": f"{start}-{rng.randint(1, 12):02d}"
                    if rng.random() < 0.7
                    else str(start),
                }
                if end <= LAST_YEAR:
                    membership["end"] = f"{end}-{rng.randint(1, 12):02d}"
                actor["memberships"].append(membership)
            add(actor)
        # Activity rank: shuffled, but one organization with many members near the top, as
        # a movement or government is in a real chronology.
        rng.shuffle(actors)
        members_of: dict[str, int] = {}
        for a in actors:
            for m in a["memberships"]:
                members_of[m["organization"]] = members_of.get(m["organization"], 0) + 1
        big = max(orgs, key=lambda o: members_of.get(o["id"], 0))
        actors.remove(big)
        actors.insert(1, big)
        persons = [a for a in actors if a["kind"] == "person"]
        # Its leaders are among the most active persons.
        for p in persons[:12]:
            p["memberships"].append(
                {
                    "organization": big["id"],
                    "role": rng.choice(ROLES_IN_ORG[:10]),
                    "start": str(rng.randint(FIRST_YEAR, 2010)),
                }
            )
        self.actor_list = actors
        self.actor_cum = zipf_cum(len(actors), 1.05)
        return actors

    def sources(self) -> list[dict]:
        rng = self.rng
        out = []
        for i in range(self.n_sources):
            day = date(FIRST_YEAR, 1, 1) + timedelta(
                days=rng.randint(0, (date(LAST_YEAR, 12, 31) - date(FIRST_YEAR, 1, 1)).days)
            )
            outlet = rng.choice(OUTLETS)
            topic = rng.choice(TOPICS)
            out.append(
                {
                    "id": f"{slug(outlet)}-{day.isoformat()}-{i}",
                    "title": f"{rng.choice(ADJECTIVES).capitalize()} talks on {topic}",
                    "outlet": outlet,
                    "author": f"{rng.choice(FIRST)} {rng.choice(LAST)}",
                    "published": day.isoformat() if rng.random() < 0.9 else day.strftime("%Y-%m"),
                    "url": f"https://{slug(outlet)}.example.org/{day:%Y/%m/%d}/{i}",
                }
            )
        self.source_ids = [s["id"] for s in out]
        return out

    # --- events --------------------------------------------------------------------------
    def when(self) -> dict:
        """date, date_text, date_basis and the optional qualifier / date_anchor."""
        rng = self.rng
        # More events in recent years, as coverage grows.
        year = FIRST_YEAR + int((LAST_YEAR - FIRST_YEAR + 1) * math.sqrt(rng.random()))
        month = rng.randint(1, 12)
        day = date(year, month, 1) + timedelta(days=rng.randint(0, 27))
        mname = MONTHS[month - 1]
        r = rng.random()
        out: dict = {"date_basis": "stated"}
        if r < 0.46:
            out.update(date=day.isoformat(), date_text=f"on {day.day} {mname} {year}")
        elif r < 0.50:
            # A weekday resolved against the article's date a few days later.
            anchor = day + timedelta(days=rng.randint(1, 6))
            out.update(
                date=day.isoformat(),
                date_text=f"on {WEEKDAYS[day.weekday()]}",
                date_basis="resolved",
                date_anchor=anchor.isoformat(),
            )
        elif r < 0.64:
            out.update(date=f"{year}-{month:02d}", date_text=f"in {mname} {year}")
        elif r < 0.72:
            q = rng.choice(("early", "mid", "late"))
            out.update(date=f"{year}-{month:02d}", qualifier=q, date_text=f"in {q} {mname} {year}")
        elif r < 0.76:
            out.update(date=str(year), date_text=f"in {year}")
        elif r < 0.78:
            q = rng.choice(("early", "mid", "late"))
            out.update(date=str(year), qualifier=q, date_text=f"{q} {year}")
        elif r < 0.82:
            s = rng.randint(21, 23)
            out.update(date=f"{year}-{s}", date_text=f"in the {SEASONS[s]} of {year}")
        elif r < 0.90:
            end = day + timedelta(days=rng.randint(1, 5))
            out.update(
                date=f"{day.isoformat()}/{end.isoformat()}",
                date_text=f"from {day.day} {mname} to {end.day} {MONTHS[end.month - 1]} {end.year}",
            )
        elif r < 0.95:
            if rng.random() < 0.5:
                out.update(date=f"{year}-{month:02d}~", date_text=f"around {mname} {year}")
            else:
                out.update(
                    date=f"{day.isoformat()}~", date_text=f"on or about {day.day} {mname} {year}"
                )
        else:
            if rng.random() < 0.5:
                out.update(
                    date=f"{day.isoformat()}?", date_text=f"reportedly on {day.day} {mname} {year}"
                )
            else:
                out.update(date=f"{year}-{month:02d}?", date_text=f"possibly in {mname} {year}")
        if out["date_basis"] == "stated" and rng.random() < 0.05:
            out["date_basis"] = "inferred"
        return out

    def events(self):
        rng = self.rng
        actors, cum = self.actor_list, self.actor_cum
        types, type_cum = list(TYPE_WEIGHTS), list(itertools.accumulate(TYPE_WEIGHTS.values()))
        statuses, status_cum = (
            list(STATUS_WEIGHTS),
            list(itertools.accumulate(STATUS_WEIGHTS.values())),
        )
        topic_cum = zipf_cum(len(TOPICS), 0.9)
        rare_cum = zipf_cum(len(RARE), 1.2)
        places = [(capital, country) for country, capital in STATES] + EXTRA_PLACES
        top, total = cum[-1], len(actors)
        for i in range(self.n):
            when = self.when()
            type_ = types[bisect.bisect(type_cum, rng.random() * type_cum[-1])]
            status = statuses[bisect.bisect(status_cum, rng.random() * status_cum[-1])]
            k = bisect.bisect((0.2, 0.7, 0.9, 1.0), rng.random()) + 1
            chosen: list[dict] = []
            seen: set[int] = set()
            while len(chosen) < k:
                j = min(bisect.bisect(cum, rng.random() * top), total - 1)
                if j not in seen:
                    seen.add(j)
                    chosen.append(actors[j])
            kind = (
                "contact"
                if type_ in CONTACT_TYPES
                else "conflict"
                if type_ in CONFLICT
                else ("statement" if type_ in STATEMENT else "other")
            )
            first_role, other_role = rng.choice(ROLES[kind])
            refs = [{"id": chosen[0]["id"], "role": first_role}] + [
                {"id": a["id"], "role": other_role} for a in chosen[1:]
            ]
            place, country = rng.choice(places)
            t1 = TOPICS[bisect.bisect(topic_cum, rng.random() * topic_cum[-1])]
            t2 = TOPICS[bisect.bisect(topic_cum, rng.random() * topic_cum[-1])]
            other = chosen[-1]["name"] if k > 1 else rng.choice(COUNTERPARTS)
            words = {
                "a": chosen[0]["name"],
                "b": other,
                "A": chosen[0]["name"],
                "B": other,
                "place": place,
                "country": country,
                "topic": t1,
                "topic2": t2,
                "adj": rng.choice(ADJECTIVES),
                "officials": rng.choice(OFFICIALS).capitalize(),
                "speaker": rng.choice(SPEAKERS),
            }
            title = rng.choice(TITLES[type_]).format(**words)
            summary = " ".join(
                rng.choice(SUMMARIES).format(**words) for _ in range(rng.randint(1, 3))
            )
            if rng.random() < 0.08:
                rare = RARE[bisect.bisect(rare_cum, rng.random() * rare_cum[-1])]
                summary += f" The {rare} was mentioned."
            citations = [
                {
                    "source": rng.choice(self.source_ids),
                    "quote": rng.choice(QUOTES).format(**words),
                    "stance": "denies"
                    if status == "denied" and n == 0
                    else rng.choice(("reports", "reports", "supports")),
                }
                for n in range(rng.choice((1, 1, 1, 2, 2, 3)))
            ]
            event = {
                "id": f"{when['date'][:4]}-{type_}-{i:07d}",
                **when,
                "title": title[:300],
                "summary": summary,
                "type": type_,
                "status": status,
                "location": {"place": place, "country": country},
                "actors": refs,
                "citations": citations,
            }
            if rng.random() < 0.03:
                event["notes"] = f"Dated from {rng.choice(SPEAKERS)}; other reports differ."
            yield event


def generate(out: Path, events: int, seed: int = 7) -> dict:
    """Write the data folder; returns counts."""
    out.mkdir(parents=True, exist_ok=True)
    g = Generator(events, seed)
    actors = g.actors()
    sources = g.sources()
    dump = lambda obj: yaml.safe_dump(obj, allow_unicode=True, sort_keys=False, width=200)  # noqa: E731
    (out / "actors.yml").write_text(dump(actors), encoding="utf-8")
    (out / "sources.yml").write_text(dump(sources), encoding="utf-8")
    (out / "events.yml").write_text("[]\n", encoding="utf-8")
    for old in out.glob("*.jsonl"):
        old.unlink()
    encoder = msgspec.json.Encoder()
    buffer = bytearray()
    with (out / "events.jsonl").open("wb") as f:
        for n, event in enumerate(g.events(), 1):
            encoder.encode_into(event, buffer, len(buffer))
            buffer += b"\n"
            if n % 10_000 == 0:
                f.write(buffer)
                buffer.clear()
        f.write(buffer)
    return {
        "events": events,
        "actors": len(actors),
        "sources": len(sources),
        "memberships": sum(len(a["memberships"]) for a in actors),
    }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--out", type=Path, default=Path(__file__).parent / "out" / "data")
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args(argv)
    started = time.perf_counter()
    counts = generate(args.out, args.events, args.seed)
    print(f"wrote {args.out}: {counts} in {time.perf_counter() - started:.1f}s")


if __name__ == "__main__":
    main()
