"""Word lists for the demo generator: places, people and company words of the Americas."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Country:
    code: str
    language: str
    currency: str
    territory: str  # name of the leaf territory in world.py (the US splits by city, see US_WEST_CITIES)
    weight: int  # share of partners and accounts, in percent
    tlds: tuple[str, ...]
    legal_forms: tuple[tuple[str, int], ...]  # (form as written in names, weight)
    cities: tuple[str, ...]
    regions: tuple[str, ...]  # states, provinces, departments: used by public-sector names
    phone_prefix: str


COUNTRIES = {
    "BR": Country(
        "BR", "pt", "BRL", "Brazil", 28, ("com.br",) * 4 + ("net.br", "tec.br"),
        (("Ltda.", 55), ("S.A.", 14), ("EIRELI", 10), ("ME", 9), ("EPP", 6), ("S/A", 6)),
        ("São Paulo", "Rio de Janeiro", "Belo Horizonte", "Curitiba", "Porto Alegre", "Campinas", "Recife",
         "Salvador", "Fortaleza", "Brasília", "Florianópolis", "Goiânia", "Manaus", "Belém", "Vitória",
         "Ribeirão Preto", "Joinville", "Londrina", "Uberlândia", "Sorocaba", "São José dos Campos", "Natal",
         "Maceió", "João Pessoa", "Cuiabá", "Campo Grande", "Niterói", "Santos", "Blumenau", "Caxias do Sul",
         "Maringá", "Juiz de Fora", "Teresina", "São Luís", "Aracaju", "Jundiaí", "Piracicaba", "Bauru"),
        ("São Paulo", "Minas Gerais", "Rio de Janeiro", "Paraná", "Rio Grande do Sul", "Santa Catarina",
         "Bahia", "Pernambuco", "Ceará", "Goiás", "Amazonas", "Pará", "Espírito Santo", "Mato Grosso",
         "Mato Grosso do Sul", "Paraíba", "Rio Grande do Norte", "Alagoas", "Sergipe", "Piauí", "Maranhão"),
        "+55",
    ),
    "MX": Country(
        "MX", "es", "MXN", "Mexico", 18, ("com.mx",) * 3 + ("mx",),
        (("S.A. de C.V.", 60), ("S. de R.L. de C.V.", 25), ("S.A.P.I. de C.V.", 8), ("S.C.", 7)),
        ("Ciudad de México", "Monterrey", "Guadalajara", "Puebla", "Querétaro", "Tijuana", "León", "Mérida",
         "San Luis Potosí", "Aguascalientes", "Chihuahua", "Saltillo", "Toluca", "Hermosillo", "Morelia",
         "Cancún", "Veracruz", "Culiacán", "Torreón", "Oaxaca", "Zapopan", "Mexicali", "Durango", "Tampico"),
        ("Nuevo León", "Jalisco", "Puebla", "Querétaro", "Baja California", "Guanajuato", "Yucatán",
         "Chihuahua", "Coahuila", "Estado de México", "Sonora", "Michoacán", "Quintana Roo", "Veracruz",
         "Sinaloa", "Oaxaca", "Durango", "Tamaulipas", "Aguascalientes", "San Luis Potosí"),
        "+52",
    ),
    "AR": Country(
        "AR", "es", "ARS", "Argentina", 8, ("com.ar",),
        (("S.A.", 45), ("S.R.L.", 35), ("S.A.U.", 10), ("S.A.S.", 10)),
        ("Buenos Aires", "Córdoba", "Rosario", "Mendoza", "La Plata", "Mar del Plata", "San Miguel de Tucumán",
         "Salta", "Santa Fe", "Neuquén", "Bahía Blanca", "Paraná", "Resistencia", "Corrientes", "Posadas",
         "San Juan", "Río Cuarto", "Comodoro Rivadavia"),
        ("Buenos Aires", "Córdoba", "Santa Fe", "Mendoza", "Tucumán", "Salta", "Neuquén", "Entre Ríos",
         "Chaco", "Corrientes", "Misiones", "San Juan", "Chubut", "Río Negro"),
        "+54",
    ),
    "CL": Country(
        "CL", "es", "CLP", "Chile", 6, ("cl",),
        (("SpA", 40), ("S.A.", 30), ("Ltda.", 25), ("EIRL", 5)),
        ("Santiago", "Valparaíso", "Viña del Mar", "Concepción", "Antofagasta", "La Serena", "Temuco",
         "Rancagua", "Talca", "Puerto Montt", "Iquique", "Arica", "Chillán", "Valdivia", "Osorno", "Calama"),
        ("Metropolitana", "Valparaíso", "Biobío", "Antofagasta", "Coquimbo", "Araucanía", "O'Higgins", "Maule",
         "Los Lagos", "Tarapacá", "Arica y Parinacota", "Ñuble", "Los Ríos", "Atacama", "Magallanes"),
        "+56",
    ),
    "CO": Country(
        "CO", "es", "COP", "Colombia", 7, ("com.co",) * 3 + ("co",),
        (("S.A.S.", 65), ("S.A.", 15), ("Ltda.", 15), ("E.U.", 5)),
        ("Bogotá", "Medellín", "Cali", "Barranquilla", "Cartagena", "Bucaramanga", "Pereira", "Manizales",
         "Cúcuta", "Ibagué", "Santa Marta", "Villavicencio", "Pasto", "Armenia", "Montería", "Neiva", "Tunja"),
        ("Cundinamarca", "Antioquia", "Valle del Cauca", "Atlántico", "Bolívar", "Santander", "Risaralda",
         "Caldas", "Norte de Santander", "Tolima", "Magdalena", "Meta", "Nariño", "Quindío", "Córdoba",
         "Huila", "Boyacá"),
        "+57",
    ),
    "PE": Country(
        "PE", "es", "PEN", "Peru", 4, ("com.pe",) * 3 + ("pe",),
        (("S.A.C.", 60), ("S.A.", 15), ("S.R.L.", 15), ("E.I.R.L.", 10)),
        ("Lima", "Arequipa", "Trujillo", "Chiclayo", "Piura", "Cusco", "Iquitos", "Huancayo", "Tacna",
         "Chimbote", "Ica", "Cajamarca", "Pucallpa", "Puno", "Ayacucho", "Callao"),
        ("Lima", "Arequipa", "La Libertad", "Lambayeque", "Piura", "Cusco", "Loreto", "Junín", "Tacna",
         "Áncash", "Ica", "Cajamarca", "Ucayali", "Puno", "Ayacucho"),
        "+51",
    ),
    "US": Country(
        "US", "en", "USD", "US East", 24, ("com",) * 6 + ("net", "io", "us", "tech"),
        (("Inc.", 45), ("LLC", 35), ("Corp.", 12), ("Co.", 4), ("LP", 4)),
        ("New York", "Boston", "Atlanta", "Miami", "Charlotte", "Philadelphia", "Washington", "Chicago",
         "Raleigh", "Pittsburgh", "Baltimore", "Orlando", "Tampa", "Nashville", "Columbus", "Detroit",
         "Hartford", "Richmond", "Minneapolis", "Cleveland",
         "San Francisco", "Los Angeles", "Seattle", "San Diego", "Denver", "Portland", "Phoenix", "Austin",
         "Dallas", "Houston", "Salt Lake City", "Sacramento", "San Jose", "Las Vegas", "Boise", "Albuquerque"),
        ("New York", "Massachusetts", "Georgia", "Florida", "North Carolina", "Pennsylvania", "Virginia",
         "Illinois", "Ohio", "Michigan", "Tennessee", "Maryland", "Connecticut", "Minnesota", "California",
         "Washington", "Colorado", "Oregon", "Arizona", "Texas", "Utah", "Nevada", "Idaho", "New Mexico"),
        "+1",
    ),
    "CA": Country(
        "CA", "en", "CAD", "Canada", 5, ("ca",) * 4 + ("com",),
        (("Inc.", 45), ("Ltd.", 35), ("Corp.", 12), ("ULC", 8)),
        ("Toronto", "Montréal", "Vancouver", "Calgary", "Ottawa", "Edmonton", "Winnipeg", "Québec City",
         "Hamilton", "Kitchener", "Halifax", "Victoria", "Saskatoon", "Regina", "London", "St. John's"),
        ("Ontario", "Québec", "British Columbia", "Alberta", "Manitoba", "Nova Scotia", "Saskatchewan",
         "New Brunswick", "Newfoundland and Labrador", "Prince Edward Island"),
        "+1",
    ),
}

# Cities of US partners and accounts that belong to the US West territory; the rest are US East.
US_WEST_CITIES = frozenset({
    "San Francisco", "Los Angeles", "Seattle", "San Diego", "Denver", "Portland", "Phoenix", "Austin",
    "Dallas", "Houston", "Salt Lake City", "Sacramento", "San Jose", "Las Vegas", "Boise", "Albuquerque",
})

# Generic words of IT company names, per language.
TECH_WORDS = {
    "pt": ("Soluções", "Tecnologia", "Sistemas", "Informática", "Redes", "Dados", "Nuvem", "Digital", "Software",
           "Consultoria", "Integração", "Serviços", "TI", "Telecom", "Infraestrutura", "Segurança", "Automação",
           "Computação", "Conectividade", "Inovação", "Cloud", "Tecnologias", "Engenharia", "Datacenter",
           "Gestão", "Código", "Plataformas", "Open Source", "Linux", "Suporte"),
    "es": ("Soluciones", "Tecnología", "Sistemas", "Informática", "Redes", "Datos", "Nube", "Digital", "Software",
           "Consultores", "Integración", "Servicios", "TI", "Telecomunicaciones", "Infraestructura", "Seguridad",
           "Cómputo", "Conectividad", "Innovación", "Cloud", "Tecnologías", "Ingeniería", "Centro de Datos",
           "Gestión", "Código", "Plataformas", "Código Abierto", "Linux", "Soporte", "Computación"),
    "en": ("Systems", "Technologies", "Solutions", "Networks", "Data", "Cloud", "Digital", "Software",
           "Consulting", "Integration", "Services", "IT", "Computing", "Security", "Infrastructure", "Labs",
           "Partners", "Group", "Tech", "Analytics", "Innovations", "Engineering", "Datacenter", "Platforms",
           "Open Systems", "Linux", "Support", "Logic", "Works", "Stack"),
}

# Brand-like words that lead an English (and sometimes Latin American) company name.
BRAND_WORDS = {
    "pt": ("Nova", "Alfa", "Ômega", "Vértice", "Horizonte", "Atlântico", "Cruzeiro", "Farol", "Aurora", "Rede Sul",
           "Norte", "Sul", "Prisma", "Vetor", "Órbita", "Estrela", "Fênix", "Onda", "Brisa", "Ponte"),
    "es": ("Nueva", "Alfa", "Omega", "Vértice", "Horizonte", "Pacífico", "Austral", "Faro", "Aurora", "Cumbre",
           "Norte", "Sur", "Prisma", "Vector", "Órbita", "Estrella", "Fénix", "Onda", "Brisa", "Puente"),
    "en": ("Pinnacle", "Harbor", "Summit", "Northstar", "Bluewater", "Ironwood", "Keystone", "Redwood", "Granite",
           "Lakeside", "Beacon", "Cedar", "Falcon", "Meridian", "Evergreen", "Atlas", "Crescent", "Frontier",
           "Liberty", "Silverline", "Bright", "Clearpath", "Vantage", "Sterling", "Anchor", "Compass", "Apex",
           "Blue Ridge", "Riverbend", "Oakmont", "Stonebridge", "Westfield", "Eastgate", "Highland", "Trident"),
}

# Surnames and place names that make a company name distinctive.
DISTINCTIVE = {
    "pt": ("Abertas", "Moura", "Carvalho", "Almeida", "Ribeiro", "Barbosa", "Teixeira", "Cardoso", "Pereira",
           "Rocha", "Nogueira", "Campos", "Pinheiro", "Andrade", "Tavares", "Bezerra", "Siqueira", "Macedo",
           "Queiroz", "Amaral", "Guimarães", "Ipanema", "Itaúna", "Paraná", "Tietê", "Jacarandá", "Araucária",
           "Ipê", "Pantanal", "Tocantins", "Borborema", "Mantiqueira", "Paraíba", "Xingu", "Tapajós", "Capibaribe",
           "Guanabara", "Itapuã", "Jatobá", "Sabiá", "Juriti", "Carnaúba", "Buriti", "Aroeira", "Peroba", "Cambuí",
           "Mourão", "Falcão", "Monteiro", "Fonseca", "Vasconcelos", "Sampaio", "Magalhães", "Brandão", "Coutinho",
           "Lacerda", "Prado", "Quintela", "Rezende", "Sardinha", "Toledo", "Valadares", "Xavier", "Zanetti",
           "Bittencourt", "Camargo", "Dantas", "Esteves", "Freitas", "Godoy", "Holanda", "Leme", "Medeiros",
           "Nascimento", "Paiva", "Rangel", "Seixas", "Tenório", "Vilela", "Assunção", "Bragança", "Cunha"),
    "es": ("Herrera", "Castillo", "Navarro", "Salazar", "Mendoza", "Aguilar", "Orozco", "Cárdenas", "Valdés",
           "Ibarra", "Cordero", "Montoya", "Quiroga", "Arellano", "Zapata", "Paredes", "Bustamante", "Villalobos",
           "Andes", "Pacífico", "Cóndor", "Sierra", "Aconcagua", "Tequendama", "Maipo", "Bravo", "Quetzal",
           "Jaguar", "Ceiba", "Huasca", "Anáhuac", "Popocatépetl", "Titicaca", "Patagonia", "Atacama", "Magdalena",
           "Orinoco", "Paraná", "Chapultepec", "Tulum", "Uxmal", "Calafate", "Nahuel", "Mapocho", "Rímac", "Urubamba",
           "Echeverría", "Figueroa", "Galindo", "Hidalgo", "Iturbide", "Jiménez", "Lozano", "Márquez", "Núñez",
           "Ochoa", "Pizarro", "Quintana", "Rosales", "Sandoval", "Trujillo", "Uribe", "Valencia", "Yáñez", "Zúñiga",
           "Acosta", "Benítez", "Carrasco", "Domínguez", "Escobar", "Fuentes", "Guerrero", "Ledesma", "Molina",
           "Olmedo", "Peralta", "Robles", "Saavedra", "Tapia", "Vergara", "Zamora", "Alcázar", "Bermúdez"),
    "en": ("Whitaker", "Callahan", "Prescott", "Donovan", "Harrington", "Sullivan", "Bradford", "Kensington",
           "Cascade", "Potomac", "Hudson", "Chesapeake", "Sierra", "Mesa", "Ozark", "Tahoe", "Yukon", "Laurentian",
           "Rideau", "Muskoka", "Fraser", "Allegheny", "Shenandoah", "Catskill", "Adirondack", "Sonoran", "Mojave",
           "Cumberland", "Piedmont", "Savannah", "Monterey", "Columbia", "Willamette", "Olympic", "Rainier",
           "Sequoia", "Yosemite", "Everglade", "Brandywine", "Tidewater", "Ashford", "Blackwell", "Carlisle",
           "Dalton", "Ellison", "Fairbanks", "Garrison", "Hollister", "Irving", "Jennings", "Kendall", "Langley",
           "Mercer", "Newbury", "Oakley", "Pemberton", "Quincy", "Radcliffe", "Sheffield", "Thornton", "Underwood",
           "Vaughn", "Wexford", "Yardley", "Ainsworth", "Beckett", "Crawford", "Dunmore", "Easton", "Fletcher",
           "Grayson", "Hawthorne", "Kingsley", "Lockwood", "Montgomery", "Norwood", "Porter", "Rutherford"),
}

# Partner-type words ("Distribuidora Delta", "Nube Bravo Cloud").
TYPE_WORDS: dict[str, dict[str, tuple[str, ...]]] = {
    "distributor": {"pt": ("Distribuidora", "Distribuição"), "es": ("Distribuidora", "Mayorista"),
                    "en": ("Distribution", "Supply")},
    "dmr": {"pt": ("Loja", "Direct", "Store"), "es": ("Tienda", "Direct", "Store"),
            "en": ("Direct", "Store", "Warehouse")},
    "msp": {"pt": ("Gerenciados", "Cloud", "Managed"), "es": ("Administrados", "Cloud", "Managed"),
            "en": ("Managed Services", "Cloud", "Managed IT")},
    "public_sector": {"pt": ("Governo Digital", "Setor Público", "Gov"), "es": ("Gobierno Digital", "Sector Público",
                                                                                "Gov"),
                      "en": ("Government Solutions", "Public Sector", "Federal")},
}

FIRST_NAMES = {
    "pt": ("Ana", "Bruno", "Carla", "Daniel", "Eduarda", "Felipe", "Gabriela", "Henrique", "Isabela", "João",
           "Juliana", "Lucas", "Mariana", "Mateus", "Natália", "Otávio", "Paula", "Rafael", "Sofia", "Thiago",
           "Vitória", "Gustavo", "Larissa", "Pedro", "Beatriz", "Rodrigo", "Camila", "Leonardo", "Fernanda",
           "Marcelo", "Letícia", "André", "Patrícia", "Ricardo", "Renata", "Fábio", "Aline", "Vinícius", "Débora",
           "Caio", "Luíza", "Diego", "Tatiane", "Márcio", "Priscila", "Sérgio", "Cláudia", "Rogério", "Simone",
           "Júlio", "Helena", "Antônio", "Lívia", "César", "Bianca", "Igor", "Yasmin", "Murilo", "Raquel"),
    "es": ("Alejandro", "Beatriz", "Carlos", "Daniela", "Eduardo", "Fernanda", "Gabriel", "Isabel", "Javier",
           "Lucía", "Manuel", "Natalia", "Óscar", "Paola", "Ricardo", "Sofía", "Tomás", "Valentina", "Andrés",
           "Camila", "Diego", "Elena", "Francisco", "Gabriela", "Héctor", "Julieta", "Luis", "María", "Martín",
           "Mónica", "Nicolás", "Patricia", "Rodrigo", "Silvia", "Sebastián", "Verónica", "Jorge", "Adriana",
           "Ignacio", "Carolina", "Fernando", "Ximena", "Raúl", "Florencia", "Emilio", "Renata", "Joaquín",
           "Mariana", "Pablo", "Claudia", "Gonzalo", "Andrea", "Matías", "Lorena", "Felipe", "Regina", "Santiago"),
    "en": ("James", "Mary", "Robert", "Patricia", "Michael", "Jennifer", "William", "Linda", "David", "Elizabeth",
           "Richard", "Susan", "Joseph", "Jessica", "Thomas", "Sarah", "Charles", "Karen", "Daniel", "Emily",
           "Matthew", "Ashley", "Anthony", "Michelle", "Mark", "Amanda", "Steven", "Melissa", "Andrew", "Rebecca",
           "Kevin", "Laura", "Brian", "Rachel", "Jason", "Megan", "Ryan", "Hannah", "Eric", "Olivia", "Tyler",
           "Grace", "Aaron", "Chloe", "Nathan", "Emma", "Owen", "Claire", "Ethan", "Natalie", "Liam", "Priya",
           "Wei", "Aisha", "Mateo", "Sofia", "Raj", "Mei"),
}

LAST_NAMES = {
    "pt": ("Silva", "Santos", "Oliveira", "Souza", "Rodrigues", "Ferreira", "Alves", "Pereira", "Lima", "Gomes",
           "Costa", "Ribeiro", "Martins", "Carvalho", "Almeida", "Lopes", "Soares", "Fernandes", "Vieira",
           "Barbosa", "Rocha", "Dias", "Nascimento", "Andrade", "Moreira", "Nunes", "Marques", "Machado", "Mendes",
           "Freitas", "Cardoso", "Ramos", "Gonçalves", "Santana", "Teixeira", "Araújo", "Pinto", "Correia", "Moura",
           "Cavalcanti", "Monteiro", "Batista", "Campos", "Castro", "Reis", "Xavier", "Peixoto", "Brito", "Farias"),
    "es": ("García", "Rodríguez", "González", "Fernández", "López", "Martínez", "Sánchez", "Pérez", "Gómez",
           "Martín", "Jiménez", "Ruiz", "Hernández", "Díaz", "Moreno", "Álvarez", "Muñoz", "Romero", "Alonso",
           "Gutiérrez", "Navarro", "Torres", "Domínguez", "Vázquez", "Ramos", "Gil", "Ramírez", "Serrano", "Blanco",
           "Molina", "Morales", "Suárez", "Ortega", "Delgado", "Castro", "Ortiz", "Rubio", "Marín", "Sanz", "Núñez",
           "Iglesias", "Medina", "Garrido", "Cortés", "Castillo", "Santos", "Lozano", "Guerrero", "Cano", "Prieto",
           "Méndez", "Cruz", "Flores", "Herrera", "Peña", "León", "Vargas", "Rojas", "Contreras"),
    "en": ("Smith", "Johnson", "Williams", "Brown", "Jones", "Miller", "Davis", "Wilson", "Anderson", "Taylor",
           "Thomas", "Moore", "Martin", "Jackson", "Thompson", "White", "Harris", "Clark", "Lewis", "Robinson",
           "Walker", "Young", "Allen", "King", "Wright", "Scott", "Hill", "Green", "Adams", "Baker", "Nelson",
           "Carter", "Mitchell", "Roberts", "Turner", "Phillips", "Campbell", "Parker", "Evans", "Edwards",
           "Collins", "Stewart", "Morris", "Murphy", "Cook", "Rogers", "Morgan", "Cooper", "Peterson", "Reed",
           "Bailey", "Kelly", "Howard", "Chen", "Patel", "Nguyen", "Kim", "Singh", "Tremblay", "Gagnon", "Roy"),
}

# End-customer companies: (pattern, industry). {d} is a distinctive part (surname, place or two surnames).
ACCOUNT_PATTERNS = {
    "pt": (("Banco {d}", "Financial services"), ("Hospital {d}", "Healthcare"), ("Construtora {d}", "Construction"),
           ("Transportes {d}", "Transportation & logistics"), ("Supermercados {d}", "Retail"),
           ("Indústrias {d}", "Manufacturing"), ("Agropecuária {d}", "Agribusiness"),
           ("Laboratório {d}", "Healthcare"), ("Farmácias {d}", "Retail"), ("Metalúrgica {d}", "Manufacturing"),
           ("Editora {d}", "Media"), ("Seguradora {d}", "Insurance"), ("Hotéis {d}", "Hospitality"),
           ("Mineração {d}", "Mining"), ("Energia {d}", "Energy"), ("Colégio {d}", "Education"),
           ("Clínica {d}", "Healthcare"), ("Logística {d}", "Transportation & logistics"),
           ("Alimentos {d}", "Food & beverage"), ("Têxtil {d}", "Manufacturing"),
           ("Cooperativa {d}", "Agribusiness"), ("Auto Peças {d}", "Retail"), ("Imobiliária {d}", "Real estate"),
           ("{d} Advogados", "Professional services"), ("{d} Contabilidade", "Professional services"),
           ("Telecomunicações {d}", "Telecommunications"), ("Usina {d}", "Energy"), ("Bebidas {d}", "Food & beverage"),
           ("Frigorífico {d}", "Food & beverage"), ("Magazine {d}", "Retail"), ("Faculdade {d}", "Education"),
           ("Plásticos {d}", "Manufacturing"), ("Papel e Celulose {d}", "Manufacturing")),
    "es": (("Banco {d}", "Financial services"), ("Hospital {d}", "Healthcare"), ("Constructora {d}", "Construction"),
           ("Transportes {d}", "Transportation & logistics"), ("Supermercados {d}", "Retail"),
           ("Industrias {d}", "Manufacturing"), ("Agroindustrial {d}", "Agribusiness"),
           ("Laboratorios {d}", "Healthcare"), ("Farmacias {d}", "Retail"), ("Metalúrgica {d}", "Manufacturing"),
           ("Editorial {d}", "Media"), ("Seguros {d}", "Insurance"), ("Hoteles {d}", "Hospitality"),
           ("Minera {d}", "Mining"), ("Energía {d}", "Energy"), ("Colegio {d}", "Education"),
           ("Clínica {d}", "Healthcare"), ("Logística {d}", "Transportation & logistics"),
           ("Alimentos {d}", "Food & beverage"), ("Textiles {d}", "Manufacturing"),
           ("Cooperativa {d}", "Agribusiness"), ("Autopartes {d}", "Retail"), ("Inmobiliaria {d}", "Real estate"),
           ("{d} Abogados", "Professional services"), ("{d} Contadores", "Professional services"),
           ("Telecomunicaciones {d}", "Telecommunications"), ("Cervecería {d}", "Food & beverage"),
           ("Viña {d}", "Food & beverage"), ("Embotelladora {d}", "Food & beverage"), ("Almacenes {d}", "Retail"),
           ("Universidad {d}", "Education"), ("Plásticos {d}", "Manufacturing"), ("Cementos {d}", "Construction")),
    "en": (("{d} Bank", "Financial services"), ("{d} Health", "Healthcare"), ("{d} Builders", "Construction"),
           ("{d} Freight", "Transportation & logistics"), ("{d} Markets", "Retail"),
           ("{d} Manufacturing", "Manufacturing"), ("{d} Farms", "Agribusiness"), ("{d} Diagnostics", "Healthcare"),
           ("{d} Pharmacy", "Retail"), ("{d} Steel", "Manufacturing"), ("{d} Media", "Media"),
           ("{d} Insurance", "Insurance"), ("{d} Hotels", "Hospitality"), ("{d} Mining", "Mining"),
           ("{d} Energy", "Energy"), ("{d} Academy", "Education"), ("{d} Medical Center", "Healthcare"),
           ("{d} Logistics", "Transportation & logistics"), ("{d} Foods", "Food & beverage"),
           ("{d} Textiles", "Manufacturing"), ("{d} Credit Union", "Financial services"),
           ("{d} Auto Parts", "Retail"), ("{d} Realty", "Real estate"), ("{d} & Partners", "Professional services"),
           ("{d} Accounting", "Professional services"), ("{d} Telecom", "Telecommunications"),
           ("{d} Utilities", "Utilities"), ("{d} Brewing", "Food & beverage"), ("{d} Capital", "Financial services"),
           ("{d} Outfitters", "Retail"), ("{d} College", "Education"), ("{d} Plastics", "Manufacturing"),
           ("{d} Aerospace", "Manufacturing")),
}

# Government bodies. {city}, {region}, {area}, {person} (a full name) are filled in.
PUBLIC_PATTERNS = {
    "BR": (("Prefeitura de {city}", "Government"), ("Prefeitura Municipal de {city}", "Government"),
           ("Secretaria Municipal de {area} de {city}", "Government"),
           ("Secretaria de Estado de {area} de {region}", "Government"), ("Câmara Municipal de {city}", "Government"),
           ("Tribunal de Justiça de {region}", "Government"), ("Universidade Federal de {region}", "Education"),
           ("Escola Estadual {person}", "Education"), ("Hospital Municipal {person}", "Healthcare"),
           ("Faculdade de Tecnologia de {city}", "Education"),
           ("Companhia de Saneamento de {city}", "Utilities"), ("Departamento de Trânsito de {region}", "Government")),
    "ES": (("Municipio de {city}", "Government"), ("Secretaría de {area} de {region}", "Government"),
           ("Secretaría de {area} de {city}", "Government"), ("Ministerio de {area}", "Government"),
           ("Gobierno de {region}", "Government"), ("Universidad Nacional de {city}", "Education"),
           ("Escuela {person}", "Education"), ("Hospital {person}", "Healthcare"),
           ("Instituto Tecnológico de {city}", "Education"), ("Dirección de {area} de {city}", "Government"),
           ("Poder Judicial de {region}", "Government"), ("Empresa de Agua de {city}", "Utilities")),
    "EN": (("City of {city}", "Government"), ("Department of {area}, {region}", "Government"),
           ("{city} Public Schools", "Education"), ("{city} Department of {area}", "Government"),
           ("{person} Elementary School", "Education"), ("{person} Memorial Hospital", "Healthcare"),
           ("{region} Department of {area}", "Government"), ("{city} Water Authority", "Utilities"),
           ("{city} Community College", "Education"), ("{region} Courts", "Government"),
           ("{city} Transit Authority", "Government"), ("{city} Public Library", "Government")),
}
# Spanish-speaking countries call the city government differently.
CITY_GOVERNMENT = {"MX": "Municipio de", "AR": "Municipalidad de", "CL": "Municipalidad de",
                   "CO": "Alcaldía de", "PE": "Municipalidad de"}
PUBLIC_AREAS = {
    "pt": ("Saúde", "Educação", "Fazenda", "Transportes", "Meio Ambiente", "Segurança Pública", "Planejamento",
           "Administração", "Cultura", "Obras", "Assistência Social", "Ciência e Tecnologia", "Agricultura"),
    "es": ("Salud", "Educación", "Hacienda", "Transporte", "Medio Ambiente", "Seguridad", "Planeación",
           "Administración", "Cultura", "Obras Públicas", "Desarrollo Social", "Ciencia y Tecnología",
           "Agricultura", "Economía", "Trabajo", "Energía", "Justicia", "Turismo", "Vivienda", "Interior"),
    "en": ("Health", "Education", "Revenue", "Transportation", "Environmental Quality", "Public Safety", "Planning",
           "Administration", "Parks and Recreation", "Public Works", "Human Services", "Technology", "Agriculture",
           "Labor", "Housing", "Corrections", "Motor Vehicles"),
}
CONTACT_ROLES = (("sales", 35), ("presales", 20), ("technical", 20), ("marketing", 12), ("executive", 13))
