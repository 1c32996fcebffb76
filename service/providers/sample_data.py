"""Word lists the simulator draws realistic-looking leads from."""

from __future__ import annotations

FIRST_NAMES: tuple[str, ...] = (
    "Anna", "Ben", "Carla", "David", "Elena", "Felix", "Greta", "Hannah", "Ivan", "Julia",
    "Karim", "Lena", "Marco", "Nina", "Oliver", "Paula", "Quentin", "Rosa", "Samir", "Tara",
    "Uwe", "Vera", "William", "Xenia", "Yusuf", "Zoe", "Amelia", "Bruno", "Chloe", "Diego",
    "Emma", "Farah", "Gabriel", "Helena", "Isaac", "Jonas", "Klara", "Lukas", "Maya", "Noah",
    "Olivia", "Pablo", "Priya", "Rafael", "Sofia", "Tom", "Ulla", "Victor", "Wen", "Yara",
    "Aisha", "Björn", "Camille", "Dmitri", "Eva", "Fatima", "Hiro", "Ines", "Jakob", "Leila",
    "Mateo", "Nora", "Omar", "Pia", "Ravi", "Sara", "Theo", "Valentina", "Ahmed", "Lucía",
)

LAST_NAMES: tuple[str, ...] = (
    "Schmidt", "Müller", "Garcia", "Rossi", "Dubois", "Kowalski", "Jensen", "Novak", "Silva",
    "Smith", "Johnson", "Williams", "Brown", "Jones", "Miller", "Davis", "Wilson", "Anderson",
    "Taylor", "Thomas", "Moore", "Martin", "Jackson", "Lee", "Walker", "Hall", "Young", "King",
    "Wright", "Lopez", "Hill", "Scott", "Green", "Adams", "Baker", "Nelson", "Carter", "Mitchell",
    "Weber", "Fischer", "Wagner", "Becker", "Hoffmann", "Schulz", "Koch", "Richter", "Klein",
    "Wolf", "Neumann", "Schwarz", "Zimmermann", "Braun", "Hofmann", "Hartmann", "Lange", "Krause",
    "Bianchi", "Romano", "Moreau", "Laurent", "Fernández", "Svensson", "Nielsen", "Horvat",
    "Yilmaz", "Kaya", "Tanaka", "Sato", "Patel", "Sharma", "Chen", "Wang", "Kim", "Nguyen",
)

TITLES: tuple[str, ...] = (
    "Head of Growth", "VP Marketing", "Chief Marketing Officer", "Head of Sales",
    "VP Sales", "Director of Demand Generation", "Growth Marketing Manager", "Head of Revenue",
    "Chief Revenue Officer", "Sales Operations Manager", "Head of Partnerships",
    "Director of Business Development", "Marketing Operations Lead", "CEO", "COO",
    "Head of Customer Success", "Product Marketing Manager", "Account Executive",
)

LOCATIONS: tuple[str, ...] = (
    "Berlin, Germany", "Munich, Germany", "Hamburg, Germany", "London, United Kingdom",
    "Amsterdam, Netherlands", "Paris, France", "Madrid, Spain", "Barcelona, Spain",
    "Stockholm, Sweden", "Copenhagen, Denmark", "Vienna, Austria", "Zurich, Switzerland",
    "Dublin, Ireland", "Warsaw, Poland", "Lisbon, Portugal", "New York, United States",
    "San Francisco, United States", "Austin, United States", "Toronto, Canada", "Milan, Italy",
)

INDUSTRIES: tuple[str, ...] = (
    "Software", "Financial Services", "E-commerce", "Healthcare", "Logistics",
    "Manufacturing", "Marketing & Advertising", "Education", "Real Estate", "Energy",
    "Telecommunications", "Consulting", "Media", "Cybersecurity", "Travel",
)

COMPANY_STEMS: tuple[str, ...] = (
    "North", "Blue", "Bright", "Cloud", "Data", "Flow", "Green", "Iron", "Lumen", "Nova",
    "Peak", "Pixel", "Quant", "Red", "Silver", "Spark", "Stone", "Swift", "Terra", "Vertex",
    "Wave", "Zen", "Atlas", "Beacon", "Cedar", "Delta", "Echo", "Falcon", "Harbor", "Orbit",
)

COMPANY_TAILS: tuple[str, ...] = (
    "wind", "leaf", "forge", "path", "stack", "scale", "mint", "loop", "bridge", "works",
    "grid", "field", "point", "sight", "labs", "base", "line", "shift", "core", "gate",
)

COMPANY_SUFFIXES: tuple[str, ...] = ("GmbH", "Inc.", "Ltd", "AG", "B.V.", "SAS", "", "", "")

EMAIL_STATUSES: tuple[str, ...] = ("valid", "valid", "valid", "valid", "risky", "unknown")

PHONE_PREFIXES: tuple[str, ...] = ("+49 30", "+49 89", "+44 20", "+31 20", "+33 1", "+1 415")
