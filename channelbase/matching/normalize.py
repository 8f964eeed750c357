"""Company names reduced to comparable tokens: accents, punctuation, legal forms, abbreviations, noise.

`core.names.company_key` answers "is this exactly the same name?"; this module goes further for fuzzy
matching: it expands abbreviations both ways (and the same business word in English, Spanish and
Portuguese) to one canonical token, drops noise that people add or leave out ("do Brasil",
"Holdings", "The", "Grupo"), and keeps enough of what it dropped (countries, initials, the tokens as
typed) for the scorer to tell "Acme Brasil" from "Acme México".
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from rapidfuzz.distance import OSA

from channelbase.core.names import CONNECTORS, LEGAL_FORMS, strip_accents

# Legal forms core.names does not list, written without punctuation or spaces (Canadian French
# "Ltée", Mexican "A.C.", Colombian "S. en C." and "BIC", US bank "N.A.", "Co., Inc." ...).
EXTRA_LEGAL_FORMS = frozenset("""
    ltee senc sencs sas bic sasbic ac iap sapib sab sapibdecv sadecvsofom sofom na pa lc lllp pty ltdaepp ltdame
    sdeh srltda scrl ei mei eppme coinc coltd incorporada ab
    """.split())
ALL_LEGAL_FORMS = LEGAL_FORMS | EXTRA_LEGAL_FORMS
MAX_LEGAL_TOKENS = 8

# Not "a", "o" or "at": they are the letters of "A&W" or "AT&T".
STOPWORDS = frozenset("de do da dos das del la las los el the of en em para for".split()) | CONNECTORS

# Countries (and the region) people add to or drop from a name: canonical code per spelling.
COUNTRY_WORDS = {
    "brasil": "br", "brazil": "br", "brasileira": "br", "mexico": "mx", "argentina": "ar", "chile": "cl",
    "colombia": "co", "peru": "pe", "usa": "us", "eeuu": "us", "eua": "us", "america": "us", "americas": "am",
    "canada": "ca", "uruguay": "uy", "paraguay": "py", "bolivia": "bo", "ecuador": "ec", "venezuela": "ve",
    "panama": "pa", "guatemala": "gt", "honduras": "hn", "latam": "am", "latinoamerica": "am",
    "latin": "am", "mercosul": "am", "mercosur": "am",
}
# Words that say nothing about which company it is ("The", "Holdings", "Grupo", "Cía.").
NOISE_WORDS = frozenset("""
    holding holdings grupo cia the participacoes participaciones inversiones investments worldwide
    sucursal filial branch subsidiary
    """.split())

# Abbreviations and translations -> one canonical token. Left: canonical; right: spellings seen.
_SYNONYMS = {
    "tec": "tec tecn tecnol tecnologia tecnologias technology technologies tech techs tecnologica tecnologicas",
    "sist": "sist sis syst sys sistema sistemas system systems",
    "serv": "serv servs svc svcs srvs srv servicos servico servicios servicio services service",
    "soluc": "soluc soln solns solucoes solucao soluciones solucion solutions solution sols",
    "intl": "intl internacional international internat inter'l",
    "corp": "corp corporation corporacion corporativo corporate",
    "cia": "cia companhia compania company companies comp",
    "saint": "saint st ste sainte",
    "santa": "santa sta",
    "santo": "santo sto",
    "mount": "mount mt",
    "fort": "fort ft",
    "grupo": "grupo group grp gpo",
    "ind": "ind inds indus industria industrias industrial industriais industriales industries industry indl",
    "com": "com comercio comercial comerciais comerciales comercializadora commerce commercial comml",
    "dist": "dist distr distrib distribuidora distribuidor distribuidores distribuicao distribucion "
            "distribution distributors distributor distributing distribuidoras",
    "consult": "consult consultoria consultores consultora consulting consultants consultant consultancy",
    "eng": "eng engr engenharia ingenieria engineering engineers ing",
    "assoc": "assoc asoc associados asociados associates",
    "hnos": "hnos hermanos irmaos brothers bros",
    "lab": "lab labs laboratorio laboratorios laboratories laboratory lab",
    "telecom": "telecom telecoms telecomunicacoes telecomunicaciones telecommunications telecomm telco",
    "transp": "transp transportes transporte transport transportation transportadora transportation",
    "constr": "constr construtora constructora construction constructions construcoes construcciones "
              "construcao construccion",
    "adm": "adm admin administracao administracion administration administradora",
    "mfg": "mfg manufacturing manufactura manufacturera manufacturers",
    "nac": "nac natl nacional national",
    "mgmt": "mgmt mgt management",
    "dept": "dept depto departamento department",
    "univ": "univ universidad universidade university",
    "inst": "inst instituto institute",
    "farmacia": "farmacia farmacias pharmacy pharmacies farma",
    "hosp": "hosp hospital hospitales hospitais",
    "aliment": "aliment alimentos alimentacao alimentacion foods food",
    "seguros": "seguros seguradora aseguradora insurance",
    "energia": "energia energy energetica",
    "mineria": "mineria mineracao minera mining",
    "logistica": "logistica logistics logistico log",
    "centro": "centro center centre ctr ctro",
    "infra": "infra infraestrutura infraestructura infrastructure",
    "data": "data datos dados",
    "cloud": "cloud nube nuvem",
    "redes": "redes networks network",
    "seguridad": "seguridad seguranca security",
    "banco": "banco bank banc bco",
    "hotel": "hotel hotels hoteles hoteis",
    "textil": "textil textiles textile",
    "plastico": "plastico plasticos plastics",
    "abogados": "abogados advogados lawyers",
    "contab": "contab contabilidade contadores accounting accountants",
    "salud": "salud saude health healthcare",
    "escuela": "escuela escola school",
    "editorial": "editorial editora publishing publishers",
    "coop": "coop cooperativa cooperative",
    "clinica": "clinica clinic",
    "bebidas": "bebidas beverages",
    "metalurg": "metalurg metalurgica metalurgia",
    "informatica": "informatica informatics",
    "software": "software sw",
    "digital": "digital digitais digitales",
    "empresa": "empresa empresas enterprise enterprises",
    "asesores": "asesores assessoria advisors advisory",
    "inmobiliaria": "inmobiliaria imobiliaria realty",
    "supermercado": "supermercado supermercados supermarket supermarkets",
    "automotriz": "automotriz automotive automotiva",
}
SYNONYMS = {spelling: canonical for canonical, spellings in _SYNONYMS.items() for spelling in spellings.split()}

# Generic words weigh little: two names that share only them are not the same company.
FILLER_WORDS = frozenset("""
    tec sist serv soluc intl corp eng consult assoc com dist ind mgmt adm empresa asesores digital data cloud
    redes software infra seguridad informatica global partners online business negocios trading general
    products productos produtos integracao integracion integration inovacao innovacion innovations plataformas
    platforms suporte soporte support computacao computacion computing conectividade conectividad automacao
    automatizacion analytics works stack logic it ti gestao gestion hnos organizacion organizacao organization
    communications comunicaciones comunicacoes
    """.split())
SECTOR_WORDS = frozenset("""
    banco hosp lab transp constr farmacia aliment seguros energia mineria logistica telecom hotel textil plastico
    abogados contab salud escuela editorial coop clinica bebidas metalurg univ inst mfg nac dept centro inmobiliaria
    supermercado automotriz colegio college academy faculdade facultad freight builders steel media markets
    diagnostics capital utilities brewing outfitters aerospace farms frigorifico usina magazine cementos cerveceria
    vina embotelladora almacenes autopartes auto pecas parts agropecuaria agroindustrial agricola agro credit union
    medical prefeitura municipio municipalidad alcaldia secretaria ministerio gobierno tribunal camara estadual
    municipal federal estado city public publico publica schools memorial elementary community water authority
    transit library courts poder judicial agua direccion tecnologico saneamento transito justica justicia
    departamento regional mutual financeira financiera fondo fund investimentos credito seguradora restaurante
    restaurantes hotelaria turismo viagens viajes tours motors motores construcciones imoveis propiedades
    properties ventures holdings foundation fundacion fundacao associacao asociacion association instituicao
    importadora importacao importaciones imports exportadora exportacao exportaciones exports quimica chemicals
    electric eletrica electrica roofing plumbing printing packaging veterinary grafica imprenta ferreteria moveis
    veiculos medicos medicas petroleros construcao papel papeis paper pulp celulose celulosa mercantil tienda tiendas loja lojas store stores wholesale mayorista
    atacadista atacado varejo retail equipamentos equipos equipment eletricos electricos electrical electricas
    airlines aerolineas
    """.split())
# Frequent name words that still say something, but less than a surname or a brand.
COMMON_WORDS = frozenset("""
    san santa santo sao nossa senhora nuestra senora norte sur sul este oeste leste north south east west central
    nueva nova new novo nuevo gran grande great united unidos american americana pacific pacifico atlantic
    atlantico andina andino
    """.split())

KNOWN_WORDS = (frozenset(SYNONYMS) | frozenset(SYNONYMS.values()) | FILLER_WORDS | SECTOR_WORDS | COMMON_WORDS
               | frozenset(COUNTRY_WORDS) | NOISE_WORDS)

# Forms that are never a word of a name, so they can go from the front too ("S.A. Fábrica...", "SACI Falabella").
LEADING_LEGAL_FORMS = frozenset("sa saci sab sas srl sac saa sau spa eirl eireli ltda llc ulc plc gmbh sadecv".split())
# Forms that are never a word of a name, dropped wherever they stand ("Acme Ltda. Filial Sul").
MIDDLE_LEGAL_FORMS = frozenset("ltda saci sab sas srl eireli eirl llc sadecv sderldecv sapidecv sabdecv".split())
_LONG_LEGAL_FORMS = tuple(sorted(form for form in ALL_LEGAL_FORMS if len(form) >= 4))
_DOTTED_INITIALS = re.compile(r"\b(?:[a-z]\.){2,}")
_APOSTROPHES = re.compile(r"['’`´]")
_WORD = re.compile(r"([0-9a-z]+)(\.?)")
_DOMAIN_LIKE = re.compile(r"^(?:https?://)?(?:www\.)?([a-z0-9-]+(?:\.[a-z0-9-]+)+)/?\S*$")
_SECOND_LEVEL = frozenset("com net org gov gob edu co ac mil nom ind tec".split())


@dataclass(frozen=True, slots=True)
class NormalizedName:
    """A name as the scorer sees it. `tokens` are the core tokens (canonical); `raw` the same tokens as typed."""

    tokens: tuple[str, ...]
    raw: tuple[str, ...]
    countries: frozenset[str]
    initials: str
    cut_short: frozenset[str] = frozenset()  # words written with a period ('Calif.'): abbreviations

    @property
    def compact(self) -> str:
        """The core tokens run together ('Cervecería Regia, S.A. de C.V.' -> 'cerveceriaregia')."""
        return "".join(self.tokens)

    @property
    def text(self) -> str:
        return " ".join(self.tokens)

    def __bool__(self) -> bool:
        return bool(self.tokens)


EMPTY = NormalizedName((), (), frozenset(), "")


def word_weight(token: str) -> float:
    """How much a core token says about which company it is."""
    if token in FILLER_WORDS:
        return 0.25
    if token in SECTOR_WORDS:
        return 0.45
    if token in COMMON_WORDS or (len(token) <= 2 and not token.isdigit()):
        return 0.5
    return 1.0


def is_generic(token: str) -> bool:
    return token in FILLER_WORDS or token in SECTOR_WORDS


def is_filler_text(word: str) -> bool:
    """Words a domain keeps but a name's core drops: 'de', 'companhia', 'ltda', 'brasil'."""
    return word in STOPWORDS or _is_noise(word) or word in COUNTRY_WORDS or word in ALL_LEGAL_FORMS


def is_known_word(word: str) -> bool:
    """A dictionary word of company names: two different known words are never typos of each other."""
    return word in KNOWN_WORDS


@lru_cache(maxsize=65_536)
def normalize(name: str) -> NormalizedName:
    """The comparable form of a company name (cached: the index and the scorer ask again and again)."""
    words, cut_short = _split(name or "")
    if not words:
        return EMPTY
    words = strip_leading_legal_form(strip_legal_forms(words))
    initials = _initials(words)
    countries = frozenset(COUNTRY_WORDS[w] for w in words if w in COUNTRY_WORDS)
    kept = strip_legal_forms([w for w in words if w not in STOPWORDS and not _is_noise(w) and w not in COUNTRY_WORDS
                              and w not in MIDDLE_LEGAL_FORMS])
    kept = _strip_legal_form_before_generic_words(kept)
    kept = strip_mistyped_legal_form(kept)
    if not any(not is_generic(canonical(w)) for w in kept):
        # Only generic words left ("Banco do Brasil", "Grupo México"): the country is what names it.
        kept = [w for w in words if w not in STOPWORDS and not _is_noise(w)] or words
    return NormalizedName(tuple(canonical(w) for w in kept), tuple(kept), countries, initials, cut_short)


def _initials(words: list[str]) -> str:
    """'Companhia Siderúrgica Nacional' -> 'csn' (words such as 'Companhia' count, 'S.A.' does not)."""
    return "".join(w[0] for w in words if w not in STOPWORDS and not w.isdigit()
                   and (w not in ALL_LEGAL_FORMS or w in SYNONYMS))


def _strip_legal_form_before_generic_words(words: list[str]) -> list[str]:
    """'Cosan S.A. Indústria e Comércio' -> cosan ind com: Brazilian names put the form before such words."""
    for i, word in enumerate(words[1:-1], start=1):
        if word in LEADING_LEGAL_FORMS and all(is_generic(canonical(w)) for w in words[i + 1:]):
            return words[:i] + words[i + 1:]
    return words


def canonical(word: str) -> str:
    """The one spelling of an abbreviation or translation: 'svcs', 'serviços', 'services' -> 'serv'."""
    return SYNONYMS.get(word, word)


def _is_noise(word: str) -> bool:
    return canonical(word) in NOISE_WORDS


def split_words(name: str) -> list[str]:
    """Lower-case, accent-free words; a bare web address becomes the words of its domain label."""
    return _split(name)[0]


def _split(name: str) -> tuple[list[str], frozenset[str]]:
    """The words, and those written with a period after them."""
    text = strip_accents(name).lower().strip()
    domain = _DOMAIN_LIKE.match(text)
    if domain and domain.group(1).rsplit(".", 1)[-1].isalpha() and len(domain.group(1).rsplit(".", 1)[-1]) > 1:
        text = " ".join(domain_labels(domain.group(1)))
    text = _APOSTROPHES.sub("", text)
    # "S.A.", "U.S.A.", "I.B.M." -> one word, so "S.A." is a legal form and "U.S.A." a country.
    text = _DOTTED_INITIALS.sub(lambda m: m.group(0).replace(".", "") + " ", text)
    text = text.replace("&", " and ").replace("+", " and ")
    found = _WORD.findall(text)
    return [w for w, _ in found], frozenset(w for w, period in found if period)


def domain_labels(host: str) -> list[str]:
    """'www.cerveceria-regia.com.mx' -> ['cerveceria-regia']: the host without www and its public suffix."""
    labels = host.removeprefix("www.").split(".")
    if len(labels) > 1:
        labels = labels[:-1]
        if len(labels) > 1 and labels[-1] in _SECOND_LEVEL:
            labels = labels[:-1]
    return labels


def strip_leading_legal_form(words: list[str]) -> list[str]:
    """'S.A.C.I. Falabella' -> ['falabella']: some companies put the form first."""
    if len(words) > 1 and words[0] in LEADING_LEGAL_FORMS:
        return words[1:]
    return words


def strip_mistyped_legal_form(words: list[str]) -> list[str]:
    """'Acme oCrp.', 'Farol Ltdaa.': a last word one slip away from a legal form of four letters or more."""
    if len(words) < 2 or len(words[-1]) < 4 or is_known_word(words[-1]):
        return words
    if any(OSA.distance(words[-1], form, score_cutoff=1) <= 1 for form in _LONG_LEGAL_FORMS):
        return words[:-1]
    return words


def strip_legal_forms(words: list[str]) -> list[str]:
    """Drop legal forms (and the connectors and noise between them) from the end: 'Acme S.A. de C.V.'."""
    changed = True
    while changed and len(words) > 1:
        changed = False
        # Legal forms before stopwords: "S A" ends with the Portuguese article "a".
        for size in range(min(MAX_LEGAL_TOKENS, len(words) - 1), 0, -1):
            if "".join(words[-size:]) in ALL_LEGAL_FORMS:
                words, changed = words[:-size], True
                break
        if not changed and (words[-1] in STOPWORDS or _is_noise(words[-1])):
            words, changed = words[:-1], True
    return words
