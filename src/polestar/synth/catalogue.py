"""The words source systems use: offences, incident types, outcomes, vehicles, hazards, courts.

Kept as data in one place so that every export draws from the same, plausible vocabulary.
Weights are rough shares of what a county force records, not statistics.
"""

from __future__ import annotations

from collections.abc import Mapping

VEHICLES: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("Ford", ("Fiesta", "Focus", "Kuga", "Puma", "Transit", "Mondeo")),
    ("Vauxhall", ("Corsa", "Astra", "Insignia", "Mokka", "Vivaro")),
    ("Volkswagen", ("Golf", "Polo", "Passat", "Tiguan", "Transporter")),
    ("BMW", ("1 Series", "3 Series", "5 Series", "X3")),
    ("Audi", ("A1", "A3", "A4", "Q3")),
    ("Mercedes-Benz", ("A-Class", "C-Class", "Sprinter")),
    ("Nissan", ("Micra", "Juke", "Qashqai")),
    ("Toyota", ("Yaris", "Aygo", "Corolla", "RAV4")),
    ("Kia", ("Picanto", "Sportage", "Ceed")),
    ("Hyundai", ("i10", "i20", "Tucson")),
    ("Peugeot", ("208", "308", "2008")),
    ("Renault", ("Clio", "Captur", "Megane")),
    ("Skoda", ("Fabia", "Octavia", "Superb")),
    ("MINI", ("Cooper", "Countryman")),
    ("Honda", ("Jazz", "Civic", "CR-V")),
    ("Land Rover", ("Discovery Sport", "Range Rover Evoque")),
    ("Tesla", ("Model 3", "Model Y")),
    ("Citroen", ("C3", "C4", "Berlingo")),
)
COLOURS = ("Black", "Grey", "Silver", "White", "Blue", "Red", "Green", "Orange", "Yellow", "Brown")
VEHICLE_ROLES_SUSPECT: tuple[str, ...] = ("used", "used", "used", "seen")
VEHICLE_ROLES_VICTIM: tuple[str, ...] = ("stolen", "damaged", "stolen from")

# category → (weight, offences); sexual offences are listed apart, under violent-crime.
CRIME_OFFENCES: Mapping[str, tuple[float, tuple[str, ...]]] = {
    "violent-crime": (27.0, ("Assault occasioning ABH", "Common assault", "Assault by beating",
                             "Wounding with intent (GBH)", "Harassment", "Stalking",
                             "Malicious communications", "Controlling or coercive behaviour")),
    "anti-social-behaviour": (5.0, ("Anti-social behaviour - personal",
                                    "Anti-social behaviour - nuisance")),
    "burglary": (8.0, ("Burglary - residential", "Burglary - business and community")),
    "criminal-damage-arson": (10.0, ("Criminal damage to a dwelling",
                                     "Criminal damage to a vehicle",
                                     "Arson not endangering life")),
    "other-theft": (9.0, ("Theft - other", "Making off without payment", "Theft from a building")),
    "shoplifting": (8.0, ("Shoplifting",)),
    "vehicle-crime": (8.0, ("Theft of a motor vehicle", "Theft from a motor vehicle",
                            "Interfering with a motor vehicle")),
    "drugs": (5.0, ("Possession of cannabis", "Possession with intent to supply class A",
                    "Production of cannabis")),
    "public-order": (7.0, ("Public order offence - section 4A", "Public order offence - section 5",
                           "Affray")),
    "robbery": (2.0, ("Robbery of personal property", "Robbery of business property")),
    "possession-of-weapons": (2.0, ("Possession of a bladed article",
                                    "Possession of an offensive weapon",
                                    "Possession of a firearm")),
    "theft-from-the-person": (1.5, ("Theft from the person",)),
    "bicycle-theft": (1.5, ("Theft of a pedal cycle",)),
    "other-crime": (3.0, ("Fraud by false representation", "Breach of a restraining order",
                          "Perverting the course of justice")),
}  # fmt: skip
SEXUAL_OFFENCES = ("Rape", "Sexual assault", "Sexual assault on a child under 13",
                   "Exposure", "Sexual communication with a child")  # fmt: skip
# Share of violent-crime records that are sexual offences.
SEXUAL_SHARE_OF_VIOLENT = 0.12
# Categories without a personal victim most of the time.
VICTIMLESS = frozenset({"drugs", "possession-of-weapons", "public-order"})
WEAPON_CATEGORIES: Mapping[str, float] = {
    "violent-crime": 0.15,
    "robbery": 0.4,
    "possession-of-weapons": 1.0,
}
WEAPONS: tuple[tuple[str, str], ...] = (
    ("knife", "kitchen knife"), ("knife", "lock knife"), ("machete", "machete"),
    ("blunt instrument", "baseball bat"), ("blunt instrument", "hammer"),
    ("firearm", "air pistol"), ("firearm", "imitation handgun"), ("other", "broken bottle"),
    ("other", "screwdriver"),
)  # fmt: skip
OUTCOMES_SUSPECT = ("Under investigation", "Unable to prosecute suspect",
                    "Evidential difficulties - victim does not support action",
                    "Investigation complete - no suspect identified")  # fmt: skip
OUTCOMES_OFFENDER = ("Charged", "Caution", "Community resolution", "Awaiting court outcome")
SUMMARIES: Mapping[str, str] = {
    "violent-crime": "Victim reports being assaulted; injuries recorded.",
    "burglary": "Entry forced to the rear of the premises; property taken.",
    "vehicle-crime": "Vehicle reported interfered with or taken overnight.",
    "drugs": "Suspect stopped and searched; substances seized.",
    "sexual": "Victim disclosed a sexual offence; specialist officer assigned.",
}
DEFAULT_SUMMARY = "Report taken; enquiries ongoing."
INTELLIGENCE_SUMMARIES = (
    "Subject believed to be supplying class A drugs from the address.",
    "Subject seen in company of known associates late at night.",
    "Subject reported to be carrying a knife.",
    "Subject believed to be staying at the address while missing from home.",
    "Vehicle linked to the subject seen at the location on several occasions.",
)
# Source evaluation, intelligence assessment and handling code of the 3×5×2 grading.
GRADING_SOURCE = "123"
GRADING_INTELLIGENCE = "ABCDE"
GRADING_HANDLING = "PC"

INCIDENT_TYPES: tuple[tuple[str, float], ...] = (
    ("Domestic", 12), ("Concern for safety", 10), ("Suspicious circumstances", 9),
    ("Anti-social behaviour", 12), ("Theft", 8), ("Burglary", 4), ("Road traffic collision", 6),
    ("Missing person", 4), ("Assault", 7), ("Criminal damage", 6), ("Drugs", 3), ("Noise", 5),
    ("Harassment", 5), ("Sudden death", 1), ("Abandoned call", 3), ("Highway disruption", 3),
)  # fmt: skip
CLOSING_CODES = (
    "Advice given", "Crime recorded", "No trace", "Arrest made", "Referred to partner agency",
    "Duplicate", "Resolved by telephone", "Filed",
)  # fmt: skip
LOCATION_PREFIXES = ("", "", "", "o/s ", "outside ", "rear of ", "adj ", "nr ", "opp ")
STREET_ABBREVIATIONS: Mapping[str, str] = {
    "Road": "Rd", "Street": "St", "Lane": "Ln", "Avenue": "Ave", "Drive": "Dr", "Close": "Cl",
    "Crescent": "Cres", "Place": "Pl", "Gardens": "Gdns", "Court": "Ct", "Terrace": "Terr",
}  # fmt: skip

CUSTODY_SUITES = ("Stafford", "Hanley", "Burton", "Watling Street")
ARREST_OFFENCES = ("Assault occasioning ABH", "Common assault", "Theft - shoplifting",
                   "Burglary", "Criminal damage", "Possession with intent to supply",
                   "Drink driving", "Breach of bail", "Public order", "Robbery",
                   "Possession of a bladed article", "Harassment", "Wanted on warrant")  # fmt: skip

FIRE_INCIDENTS: tuple[tuple[str, str, bool], ...] = (
    # incident type, property type, has an occupier
    ("Dwelling fire", "House - single occupancy", True), ("Dwelling fire", "Flat", True),
    ("Chimney fire", "House - single occupancy", True), ("Kitchen fire", "Bungalow", True),
    ("False alarm - AFA", "Flat", True), ("Flooding", "House - single occupancy", True),
    ("Vehicle fire", "Car", False), ("Refuse fire", "Wheelie bin", False),
    ("Road traffic collision", "Car", False), ("Assist police", "House - single occupancy", True),
)  # fmt: skip
FIRE_CAUSES = ("Cooking - unattended", "Electrical fault", "Smoking materials", "Candle",
               "Deliberate", "Heating appliance", "Unknown", "Not applicable")  # fmt: skip
PREMISES_TYPES = ("Dwelling", "Dwelling", "Flat", "House in multiple occupation", "Bungalow")
RISK_LEVELS = ("low", "medium", "high", "very high")
HAZARDS = ("oxygen cylinders", "hoarding", "smoker", "limited mobility", "bedbound",
           "hearing impaired", "dementia", "no working smoke alarm")  # fmt: skip

ROSH_LEVELS = ("low", "medium", "high", "very high")
SUPERVISION_STATUSES = ("active", "licence", "terminated")

COURTS = ("Stafford Crown Court", "North Staffordshire Justice Centre",
          "Cannock Magistrates' Court", "Burton upon Trent Magistrates' Court",
          "Stoke-on-Trent Crown Court")  # fmt: skip
HEARING_TYPES = ("First hearing", "Plea and trial preparation", "Trial", "Sentence", "Mention")
HEARING_TIMES = ("09:30", "10:00", "10:30", "11:00", "14:00")
PLEAS = ("Not guilty", "Guilty", "No plea entered")
COURT_OUTCOMES = ("Adjourned", "Remanded in custody", "Bail granted", "Convicted",
                  "Acquitted", "Sentenced - community order", "Sentenced - custody",
                  "Committed to Crown Court")  # fmt: skip
