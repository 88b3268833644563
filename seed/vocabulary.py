"""The synthetic corpus's vocabulary: topics and their weights, indicators with their units
and ranges, entities, names and sentence parts.

Adapted from `../shared/bench/make_db.py` (the benchmark's reference data), with slugs,
units and entity codes in this API's formats.
"""

from dataclasses import dataclass

TOPICS: dict[str, tuple[str, int]] = {
    # id: (name, weight): economy-heavy, like most political coverage
    "economy": ("Economy", 20),
    "health": ("Health care", 12),
    "jobs": ("Jobs", 10),
    "taxes": ("Taxes", 9),
    "immigration": ("Immigration", 8),
    "crime": ("Crime", 8),
    "education": ("Education", 7),
    "housing": ("Housing", 7),
    "energy": ("Energy", 6),
    "climate": ("Climate change", 6),
    "trade": ("Trade", 4),
    "defense": ("National defense", 3),
}


@dataclass(frozen=True)
class Indicator:
    topic: str
    unit: str
    low: float
    high: float
    phrase: str
    decimals: int


INDICATORS: dict[str, Indicator] = {
    "unemployment_rate": Indicator("jobs", "percent", 2.0, 15.0, "the unemployment rate", 1),
    "jobs_created": Indicator("jobs", "jobs", 1000, 900000, "the number of new jobs", 0),
    "inflation_rate": Indicator("economy", "percent", -1.0, 12.0, "inflation", 1),
    "gdp_growth_rate": Indicator("economy", "percent", -5.0, 8.0, "GDP growth", 1),
    "median_income": Indicator("economy", "usd", 25000, 95000, "median household income", 0),
    "public_debt": Indicator("economy", "percent_of_gdp", 20.0, 180.0, "public debt", 1),
    "tax_revenue": Indicator("taxes", "usd_bn", 5.0, 4500.0, "tax revenue", 1),
    "top_tax_rate": Indicator("taxes", "percent", 15.0, 60.0, "the top income tax rate", 1),
    "uninsured_rate": Indicator("health", "percent", 2.0, 25.0, "the uninsured rate", 1),
    "life_expectancy": Indicator("health", "years", 60.0, 85.0, "life expectancy", 1),
    "hospital_wait_days": Indicator("health", "days", 3.0, 120.0, "hospital waiting time", 0),
    "net_migration": Indicator("immigration", "people", -50000, 1500000, "net migration", 0),
    "asylum_applications": Indicator(
        "immigration", "applications", 500, 400000, "asylum applications", 0
    ),
    "violent_crime_rate": Indicator("crime", "per_100k", 100.0, 900.0, "violent crime", 1),
    "homicide_rate": Indicator("crime", "per_100k", 0.5, 25.0, "the homicide rate", 1),
    "graduation_rate": Indicator("education", "percent", 60.0, 98.0, "the graduation rate", 1),
    "teacher_salary": Indicator("education", "usd", 35000, 90000, "the teacher salary", 0),
    "house_price_index": Indicator("housing", "index", 80.0, 320.0, "house prices", 1),
    "homelessness": Indicator("housing", "people", 200, 600000, "homelessness", 0),
    "electricity_price": Indicator("energy", "usd_per_mwh", 20.0, 350.0, "power prices", 1),
    "renewable_share": Indicator("energy", "percent", 2.0, 90.0, "the renewable share", 1),
    "co2_emissions": Indicator("climate", "mt", 5.0, 6000.0, "carbon emissions", 1),
    "trade_deficit": Indicator("trade", "usd_bn", -400.0, 900.0, "the trade deficit", 1),
    "defense_spending": Indicator("defense", "percent_of_gdp", 0.5, 5.0, "defense spending", 2),
}
INDICATORS_BY_TOPIC: dict[str, list[str]] = {}
for _name, _indicator in INDICATORS.items():
    INDICATORS_BY_TOPIC.setdefault(_indicator.topic, []).append(_name)

ENTITIES = {
    "USA": "the United States",
    "CAN": "Canada",
    "MEX": "Mexico",
    "GBR": "the United Kingdom",
    "FRA": "France",
    "DEU": "Germany",
    "ITA": "Italy",
    "ESP": "Spain",
    "POL": "Poland",
    "SWE": "Sweden",
    "NOR": "Norway",
    "NLD": "the Netherlands",
    "IRL": "Ireland",
    "JPN": "Japan",
    "KOR": "South Korea",
    "IND": "India",
    "BRA": "Brazil",
    "ARG": "Argentina",
    "AUS": "Australia",
    "NZL": "New Zealand",
    "ZAF": "South Africa",
    "NGA": "Nigeria",
    "KEN": "Kenya",
    "TUR": "Turkey",
    "CHN": "China",
    "US-CA": "California",
    "US-TX": "Texas",
    "US-FL": "Florida",
    "US-NY": "New York",
    "US-PA": "Pennsylvania",
    "US-OH": "Ohio",
    "US-MI": "Michigan",
    "GB-SCT": "Scotland",
    "GB-WLS": "Wales",
    "CA-ON": "Ontario",
    "CA-QC": "Quebec",
    "DE-BY": "Bavaria",
    "ES-CT": "Catalonia",
}
ENTITY_CODES = list(ENTITIES)
COUNTRIES = [code for code in ENTITY_CODES if "-" not in code]

FIRST = [
    "James",
    "Mary",
    "Robert",
    "Patricia",
    "John",
    "Jennifer",
    "Michael",
    "Linda",
    "David",
    "Elizabeth",
    "William",
    "Barbara",
    "Richard",
    "Susan",
    "Joseph",
    "Jessica",
    "Thomas",
    "Sarah",
    "Carlos",
    "Karen",
    "Daniel",
    "Lisa",
    "Matthew",
    "Nancy",
    "Ahmed",
    "Emily",
    "Kenji",
    "Priya",
    "Olga",
    "Lars",
    "Fatima",
    "Diego",
    "Aisha",
    "Wei",
    "Chloe",
    "Ibrahim",
    "Ingrid",
    "Pedro",
    "Hana",
]
LAST = [
    "Smith",
    "Johnson",
    "Williams",
    "Brown",
    "Jones",
    "Garcia",
    "Miller",
    "Davis",
    "Rodriguez",
    "Martinez",
    "Lopez",
    "Wilson",
    "Anderson",
    "Taylor",
    "Moore",
    "Jackson",
    "Martin",
    "Lee",
    "Perez",
    "Thompson",
    "White",
    "Harris",
    "Clark",
    "Lewis",
    "Walker",
    "Young",
    "King",
    "Wright",
    "Scott",
    "Nguyen",
    "Hill",
    "Green",
    "Adams",
    "Baker",
    "Okafor",
    "Tanaka",
    "Kowalski",
    "Novak",
    "Schmidt",
    "Dubois",
    "Rossi",
    "Silva",
    "Kim",
    "Patel",
    "Andersson",
    "Haddad",
    "Mensah",
    "Ivanova",
    "Costa",
    "Yilmaz",
]
TITLES = ["Senator", "Minister", "Governor", "Mayor", "Economist", "Spokesperson", None]
AFFILIATIONS = [
    "Senate",
    "Ministry of Finance",
    "Central Bank",
    "City Council",
    "Labour Party",
    "Conservative Party",
    "Chamber of Commerce",
    "Teachers' Union",
    "Policy Research Center",
    None,
]
PUBLISHERS = [
    "Daily Ledger",
    "The Morning Post",
    "Capital Times",
    "National Wire",
    "Metro Herald",
    "Public Radio News",
    "Policy Digest",
    "Civic Journal",
    "Debate transcript",
]
SOURCE_KINDS = ["Interview", "Speech", "Debate", "Press conference", "Town hall", "Hearing"]
VERBS_UP = ["rose to", "climbed to", "jumped to", "increased to", "reached", "hit"]
VERBS_DOWN = ["fell to", "dropped to", "declined to", "was cut to", "slipped to"]
OPENERS = ["Let me be clear:", "The facts are simple.", "Look,", "Here is the truth:", "Frankly,"]
CLOSERS = [
    "and that is a record we are proud of.",
    "and families feel it every single day.",
    "which is the worst in a generation.",
    "and we are not going to stop now.",
    "and the other side refuses to admit it.",
    "which nobody predicted.",
]
GENERIC = [
    "Government policy on {topic} has failed the people of {entity} for years.",
    "We have the strongest record on {topic} of any government in {entity}.",
    "Our plan for {topic} will be fully funded without raising taxes.",
    "The previous administration left {entity} with a crisis in {topic}.",
    "Every independent expert agrees that our approach to {topic} is working.",
    "{entity} now leads the world on {topic}, according to the latest report.",
    "The opposition has no plan for {topic} and they know it.",
    "Spending on {topic} in {entity} has doubled since we took office.",
]
FILLERS = [
    "The exchange continued for several minutes.",
    "Reporters pressed for details.",
    "The remarks drew applause from the audience.",
    "Officials later declined to comment further.",
    "The figures could not be independently verified at the time.",
]
