"""Countries by the words articles name them with: names, short forms and adjectives, to the
ISO 3166-1 alpha-3 code a statistic's `entity` and a speaker's `country` use. Shipped as
data (nothing is looked up at run time)."""

import re
from functools import lru_cache

# code | names and adjectives, "|"-separated ("the" is dropped before matching).
COUNTRIES = """
AFG|Afghanistan|Afghan
ALB|Albania|Albanian
DZA|Algeria|Algerian
AGO|Angola|Angolan
ARG|Argentina|Argentine|Argentinian
ARM|Armenia|Armenian
AUS|Australia|Australian
AUT|Austria|Austrian
AZE|Azerbaijan|Azerbaijani
BHR|Bahrain|Bahraini
BGD|Bangladesh|Bangladeshi
BLR|Belarus|Belarusian
BEL|Belgium|Belgian
BEN|Benin
BOL|Bolivia|Bolivian
BIH|Bosnia and Herzegovina|Bosnia
BWA|Botswana
BRA|Brazil|Brazilian
BGR|Bulgaria|Bulgarian
BFA|Burkina Faso
KHM|Cambodia|Cambodian
CMR|Cameroon|Cameroonian
CAN|Canada|Canadian
CHL|Chile|Chilean
CHN|China|Chinese|People\u2019s Republic of China|PRC|mainland China
COL|Colombia|Colombian
COD|Democratic Republic of the Congo|DR Congo|DRC
CRI|Costa Rica
CIV|Côte d\u2019Ivoire|Ivory Coast
HRV|Croatia|Croatian
CUB|Cuba|Cuban
CYP|Cyprus|Cypriot
CZE|Czech Republic|Czechia|Czech
DNK|Denmark|Danish
DOM|Dominican Republic
ECU|Ecuador|Ecuadorian
EGY|Egypt|Egyptian
SLV|El Salvador
EST|Estonia|Estonian
ETH|Ethiopia|Ethiopian
FIN|Finland|Finnish
FRA|France|French
GAB|Gabon
GEO|Georgia|Georgian
DEU|Germany|German
GHA|Ghana|Ghanaian
GRC|Greece|Greek
GTM|Guatemala
HND|Honduras
HKG|Hong Kong
HUN|Hungary|Hungarian
ISL|Iceland|Icelandic
IND|India|Indian
IDN|Indonesia|Indonesian
IRN|Iran|Iranian
IRQ|Iraq|Iraqi
IRL|Ireland|Irish
ISR|Israel|Israeli
ITA|Italy|Italian
JAM|Jamaica|Jamaican
JPN|Japan|Japanese
JOR|Jordan|Jordanian
KAZ|Kazakhstan|Kazakh
KEN|Kenya|Kenyan
KWT|Kuwait|Kuwaiti
KGZ|Kyrgyzstan
LAO|Laos|Lao
LVA|Latvia|Latvian
LBN|Lebanon|Lebanese
LBY|Libya|Libyan
LTU|Lithuania|Lithuanian
LUX|Luxembourg
MAC|Macao|Macau
MDG|Madagascar
MWI|Malawi
MYS|Malaysia|Malaysian
MLI|Mali
MLT|Malta|Maltese
MEX|Mexico|Mexican
MDA|Moldova
MNG|Mongolia|Mongolian
MAR|Morocco|Moroccan
MOZ|Mozambique
MMR|Myanmar
NAM|Namibia
NPL|Nepal|Nepalese
NLD|Netherlands|Dutch|Holland
NZL|New Zealand
NIC|Nicaragua
NER|Niger
NGA|Nigeria|Nigerian
PRK|North Korea|DPRK
MKD|North Macedonia
NOR|Norway|Norwegian
OMN|Oman|Omani
PAK|Pakistan|Pakistani
PAN|Panama|Panamanian
PRY|Paraguay|Paraguayan
PER|Peru|Peruvian
PHL|Philippines|Philippine|Filipino
POL|Poland|Polish
PRT|Portugal|Portuguese
QAT|Qatar|Qatari
ROU|Romania|Romanian
RUS|Russia|Russian|Russian Federation
RWA|Rwanda|Rwandan
SAU|Saudi Arabia|Saudi
SEN|Senegal|Senegalese
SRB|Serbia|Serbian
SGP|Singapore|Singaporean
SVK|Slovakia|Slovak
SVN|Slovenia|Slovenian
SOM|Somalia|Somali
ZAF|South Africa|South African
KOR|South Korea|Korea|Republic of Korea|South Korean|Korean
SSD|South Sudan
ESP|Spain|Spanish
LKA|Sri Lanka|Sri Lankan
SDN|Sudan|Sudanese
SWE|Sweden|Swedish
CHE|Switzerland|Swiss
SYR|Syria|Syrian
TWN|Taiwan
TJK|Tajikistan
TZA|Tanzania|Tanzanian
THA|Thailand|Thai
TUN|Tunisia|Tunisian
TUR|Türkiye|Turkey|Turkish
TKM|Turkmenistan
UGA|Uganda|Ugandan
UKR|Ukraine|Ukrainian
ARE|United Arab Emirates|UAE|Emirati
GBR|United Kingdom|UK|U.K.|Britain|Great Britain|British
USA|United States|United States of America|US|U.S.|USA|America|American
URY|Uruguay|Uruguayan
UZB|Uzbekistan|Uzbek
VEN|Venezuela|Venezuelan
VNM|Vietnam|Viet Nam|Vietnamese
YEM|Yemen|Yemeni
ZMB|Zambia|Zambian
ZWE|Zimbabwe|Zimbabwean
"""


@lru_cache(maxsize=1)
def _table() -> dict[str, str]:
    names: dict[str, str] = {}
    for line in COUNTRIES.strip().splitlines():
        code, *words = line.split("|")
        for word in words:
            names[word.replace("\u2019", "'")] = code
    return names


@lru_cache(maxsize=1)
def _pattern() -> re.Pattern[str]:
    # Longest names first, so that "South Africa" wins over "Africa"-like prefixes.
    names = sorted(_table(), key=len, reverse=True)
    alternatives = "|".join(re.escape(name).replace("'", "['\u2019]") for name in names)
    return re.compile(rf"(?<![\w.])(?:{alternatives})(?![\w])")


def country_code(name: str) -> str | None:
    """The code of a country named `name` exactly ("the United Kingdom" too)."""
    plain = name.replace("\u2019", "'").strip()
    plain = plain[4:] if plain.lower().startswith("the ") else plain
    return _table().get(plain)


def country_name(code: str) -> str | None:
    """The name of the country with ISO 3166-1 alpha-3 `code` (its first listed name)."""
    for line in COUNTRIES.strip().splitlines():
        found, name, *_ = line.split("|")
        if found == code:
            return name
    return None


def countries_in(text: str) -> list[tuple[int, int, str]]:
    """Every country named in `text`: (start, end, code), in order."""
    return [
        (match.start(), match.end(), _table()[match.group().replace("\u2019", "'")])
        for match in _pattern().finditer(text)
    ]
