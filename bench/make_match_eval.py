"""Build the company-matching evaluation set: labelled pairs of English, Spanish and Portuguese names.

    .venv/bin/python bench/make_match_eval.py [--seed 20261128] [--out tests/matching/data/eval_pairs.csv]

Deterministic for a seed. Columns: left, right, same (1/0), kind (the variation or hard negative).
Base names come from the demo's word lists (channelbase/demo/names_data.py) plus a few more sectors
below; positives are the ways people retype a company (typos, legal forms, accents, noise words,
abbreviations, domains, word order, connectors, combinations); negatives are the names a matcher
must keep apart (same sector words, same first word, same surname, same name in another city,
look-alike surnames). The hand-written set (eval_handwritten.csv) is NOT made here.
"""

from __future__ import annotations

import argparse
import csv
import random
import re
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from rapidfuzz.distance import Indel

from channelbase.core.names import strip_accents
from channelbase.demo import names_data as words

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "tests" / "matching" / "data" / "eval_pairs.csv"
SEED = 20261128

# Sectors the demo lists lack, so the set is not only the demo's patterns.
EXTRA_PATTERNS = {
    "pt": ("Comércio de Alimentos {d}", "Química {d}", "Importadora {d}", "Distribuidora de Bebidas {d}",
           "Móveis {d}", "{d} Engenharia", "{d} Consultoria Empresarial", "Gráfica {d}", "Veículos {d}",
           "Serviços Médicos {d}", "{d} Irmãos", "Tecnologia {d}", "Companhia {d} de Seguros"),
    "es": ("Ferretería {d}", "Importadora {d}", "Comercializadora {d}", "Servicios Petroleros {d}",
           "Química {d}", "{d} Hermanos", "Distribuidora {d}", "Agrícola {d}", "Imprenta {d}",
           "Laboratorios Clínicos {d}", "{d} Ingeniería y Construcción", "Compañía {d} de Seguros",
           "Corporación {d}"),
    "en": ("{d} Roofing", "{d} Plumbing", "{d} Printing", "{d} Packaging", "{d} Veterinary Clinic",
           "{d} Chemicals", "{d} Electric", "{d} Brothers", "{d} Industries", "{d} Engineering",
           "{d} Technologies", "{d} Management Group", "{d} International"),
}
# How people shorten words in company names (not the matcher's table: some are missing there).
ABBREVIATIONS = {
    "Tecnologia": ("Tec.", "Tecnol."), "Tecnología": ("Tec.", "Tecnol."), "Technologies": ("Tech", "Techs"),
    "Sistemas": ("Sist.", "Sis."), "Systems": ("Sys.", "Syst."), "Serviços": ("Svcs", "Serv."),
    "Servicios": ("Serv.", "Svcs."), "Services": ("Svcs", "Svc."), "Soluções": ("Soluc.", "Sol."),
    "Soluciones": ("Soluc.", "Sol."), "Solutions": ("Sol.", "Soln."), "Internacional": ("Intl.", "Int."),
    "International": ("Intl", "Int'l"), "Companhia": ("Cia.",), "Compañía": ("Cía.", "Cia."),
    "Corporación": ("Corp.",), "Distribuidora": ("Dist.", "Distrib."), "Indústrias": ("Ind.",),
    "Industrias": ("Ind.", "Inds."), "Industries": ("Inds.", "Ind."), "Comércio": ("Com.",),
    "Laboratório": ("Lab.",), "Laboratorios": ("Labs.", "Lab."), "Hospital": ("Hosp.",),
    "Hermanos": ("Hnos.",), "Irmãos": ("Irm.",), "Brothers": ("Bros.",), "Construtora": ("Constr.",),
    "Constructora": ("Const.", "Constr."), "Engenharia": ("Eng.",), "Ingeniería": ("Ing.",),
    "Engineering": ("Eng.", "Engr."), "Management": ("Mgmt.", "Mgt."), "Transportes": ("Transp.",),
    "Consultoria": ("Consult.",), "Consulting": ("Cons.",), "Nacional": ("Nac.",), "Universidad": ("Univ.",),
    "Universidade": ("Univ.",), "Instituto": ("Inst.",), "Departamento": ("Depto.",), "Department": ("Dept.",),
    "Municipalidad": ("Munic.",), "Farmácias": ("Farm.",), "Farmacias": ("Farm.",),
    "Agropecuária": ("Agrop.",), "Metalúrgica": ("Metal.",), "Telecomunicações": ("Telecom",),
    "Telecomunicaciones": ("Telecom",), "Informática": ("Info.", "Inform."), "Supermercados": ("Superm.",),
    "Manufacturing": ("Mfg.",), "Associados": ("Assoc.",), "Asociados": ("Asoc.",), "Importadora": ("Imp.",),
    "Comercializadora": ("Comerc.",), "Corporation": ("Corp.",), "Logística": ("Log.",),
}
# Country words people add: (as a suffix, as an alternative suffix).
COUNTRY_NOISE = {"BR": ("Brasil", "do Brasil", "Brazil"), "MX": ("México", "de México", "Mexico"),
                 "AR": ("Argentina", "de Argentina"), "CL": ("Chile", "de Chile"), "CO": ("Colombia", "de Colombia"),
                 "PE": ("Perú", "del Perú", "Peru"), "US": ("USA", "of America", "US"), "CA": ("Canada", "of Canada")}
HOLDING_NOISE = ("Holdings", "Holding", "Group")
PREFIX_NOISE = {"pt": ("Grupo",), "es": ("Grupo",), "en": ("The",)}
CONNECTOR = {"pt": "e", "es": "y", "en": "and"}
KEYBOARD = dict(zip("qwertyuiopasdfghjklzxcvbnm", (
    "wa", "qes", "wrd", "etf", "ryg", "tuh", "yij", "uok", "ipl", "ol", "qsz", "awdx", "sefc", "drgv", "fthb",
    "gyjn", "hukm", "jil", "kop", "xas", "zcsd", "xvdf", "cbfg", "vngh", "bmhj", "njk"), strict=True))

POSITIVES = (("typo_1", 130), ("typo_2", 70), ("legal_dropped", 80), ("legal_changed", 80), ("accents_lost", 70),
             ("noise_added", 90), ("abbreviation", 80), ("domain", 70), ("reorder", 60), ("connector", 50),
             ("case_punctuation", 40), ("combined", 90))
NEGATIVES = (("neg_other_distinctive", 150), ("neg_same_first_word", 100), ("neg_same_surname", 130),
             ("neg_other_city", 110), ("neg_shared_surname", 100), ("neg_other_person", 60),
             ("neg_lookalike", 50), ("neg_random", 40))


@dataclass(frozen=True)
class Company:
    base: str  # the name without its legal form
    form: str
    country: str
    language: str
    pattern: str  # the pattern it was built from ('Banco {d}'), so negatives can reuse or avoid it
    part: str  # what filled the pattern's {d} (or the city of a public body)

    @property
    def full(self) -> str:
        return f"{self.base} {self.form}".strip()


# Base names ---------------------------------------------------------------------------------------

class Names:
    def __init__(self, rng: random.Random):
        self.rng = rng
        self.codes = list(words.COUNTRIES)
        self.weights = [c.weight for c in words.COUNTRIES.values()]

    def country(self) -> words.Country:
        return words.COUNTRIES[self.rng.choices(self.codes, self.weights)[0]]

    def company(self, country: words.Country | None = None, pattern: str | None = None,
                part: str | None = None, form: str | None = None) -> Company:
        country = country or self.country()
        language = country.language
        pattern = pattern or self.pattern(language)
        part = part or self.part(language)
        if form is None:
            form = self.form(country) if self.rng.random() < 0.75 else ""
        return Company(pattern.format(d=part), form, country.code, language, pattern, part)

    def pattern(self, language: str) -> str:
        roll = self.rng.random()
        if roll < 0.6:
            return self.rng.choice(words.ACCOUNT_PATTERNS[language])[0]
        if roll < 0.8:
            return self.rng.choice(EXTRA_PATTERNS[language])
        tech = self.rng.choice(words.TECH_WORDS[language])
        return f"{{d}} {tech}" if self.rng.random() < 0.6 else f"{tech} {{d}}"

    def part(self, language: str) -> str:
        rng, last = self.rng, words.LAST_NAMES[language]
        roll = rng.random()
        if roll < 0.3:
            return rng.choice(words.DISTINCTIVE[language])
        if roll < 0.45:
            return rng.choice(words.BRAND_WORDS[language])
        if roll < 0.75:
            return f"{rng.choice(words.DISTINCTIVE[language])} {rng.choice(last)}"
        if roll < 0.88:
            return f"{rng.choice(last)} {rng.choice(('&', CONNECTOR[language]))} {self.other(last, None)}"
        return f"{rng.choice(last)} {rng.choice(last)}"

    def form(self, country: words.Country) -> str:
        forms, weights = zip(*country.legal_forms, strict=True)
        return self.rng.choices(forms, weights)[0]

    def public(self, country: words.Country, city: str | None = None) -> Company:
        group = "BR" if country.code == "BR" else "ES" if country.language == "es" else "EN"
        pattern = self.rng.choice([p for p, _ in words.PUBLIC_PATTERNS[group] if "{person}" not in p])
        if country.code in words.CITY_GOVERNMENT:
            pattern = pattern.replace("Municipio de", words.CITY_GOVERNMENT[country.code])
        city = city or self.rng.choice(country.cities)
        area = self.rng.choice(words.PUBLIC_AREAS[country.language])
        region = self.rng.choice(country.regions)
        return Company(pattern.format(city=city, region=region, area=area), "", country.code, country.language,
                       pattern, city)

    def other(self, choices, avoid: str | None) -> str:
        while (value := self.rng.choice(choices)) == avoid:
            pass
        return value


# Variations (positives) ----------------------------------------------------------------------------

def typo(rng: random.Random, text: str, edits: int) -> str:
    """One or two keyboard slips: a letter left out, doubled, swapped with its neighbour or mistyped."""
    for _ in range(edits):
        spots = [m.start() + i for m in re.finditer(r"[^\W\d_]{4,}", text) for i in range(len(m.group()))]
        at = rng.choice(spots)
        letter = text[at]
        kind = rng.choice(("delete", "insert", "substitute", "transpose"))
        near = KEYBOARD.get(strip_accents(letter).lower(), "e")
        if kind == "delete":
            text = text[:at] + text[at + 1:]
        elif kind == "insert":
            text = text[:at] + rng.choice((letter, rng.choice(near))) + text[at:]
        elif kind == "substitute":
            text = text[:at] + rng.choice(near) + text[at + 1:]
        elif at + 1 < len(text) and text[at + 1].isalpha():
            text = text[:at] + text[at + 1] + letter + text[at + 2:]
    return text


def legal_variant(rng: random.Random, form: str) -> str:
    """The same legal form punctuated differently ('S.A. de C.V.' -> 'SA de CV')."""
    variants = {form.replace(".", ""), form.replace(".", "").upper(), form.replace(". ", ".").replace(" ", ""),
                form.replace("/", ".") + ("." if "/" in form else ""), form.upper(), form.lower()}
    variants.discard(form)
    return rng.choice(sorted(variants)) if variants else form


def domain_of(rng: random.Random, company: Company) -> str:
    tokens = [t for t in re.split(r"[^0-9a-z]+", strip_accents(company.base).lower())
              if t and t not in ("de", "do", "da", "del", "y", "e", "and")]
    tld = rng.choice(words.COUNTRIES[company.country].tlds)
    roll = rng.random()
    label = "".join(tokens) if roll < 0.6 else "-".join(tokens) if roll < 0.9 else "".join(tokens[:2])
    prefix = rng.choice(("", "", "www.", "https://www.", "http://"))
    return f"{prefix}{label}.{tld}"


def abbreviate(rng: random.Random, text: str) -> str | None:
    found = [w for w in re.findall(r"[^\W\d_]+", text) if w in ABBREVIATIONS]
    if not found:
        return None
    for word in rng.sample(found, rng.randint(1, len(found))):
        text = re.sub(rf"\b{word}\b", rng.choice(ABBREVIATIONS[word]), text, count=1)
    return text


def reorder(rng: random.Random, company: Company) -> str | None:
    """'Moura & Carvalho' -> 'Carvalho & Moura'; 'Transportes Moura' -> 'Moura Transportes'."""
    match = re.search(r"(\S+) (&|y|e|and) (\S+)", company.base)
    if match and rng.random() < 0.5:
        swapped = f"{match.group(3)} {match.group(2)} {match.group(1)}"
        return f"{company.base[:match.start()]}{swapped}{company.base[match.end():]} {company.form}".strip()
    first, _, rest = company.base.partition(" ")
    if not rest or first.lower() in ("de", "do", "da") or " de " in company.base.lower():
        return None
    return f"{rest} {first} {company.form}".strip()


def switch_connector(rng: random.Random, company: Company) -> str | None:
    if " & " in company.base:
        return company.full.replace(" & ", f" {rng.choice((CONNECTOR[company.language], 'and'))} ", 1)
    for word in (" y ", " e ", " and "):
        if word in company.base:
            return company.full.replace(word, rng.choice((" & ", "&")), 1)
    return None


def add_noise(rng: random.Random, company: Company) -> str:
    roll = rng.random()
    if roll < 0.5:
        return f"{company.base} {rng.choice(COUNTRY_NOISE[company.country])} {company.form}".strip()
    if roll < 0.8:
        return f"{company.base} {rng.choice(HOLDING_NOISE)} {company.form}".strip()
    return f"{rng.choice(PREFIX_NOISE[company.language])} {company.full}"


def case_punctuation(rng: random.Random, company: Company) -> str:
    roll = rng.random()
    if roll < 0.4:
        return company.full.upper()
    if roll < 0.7:
        return f"{company.base}, {company.form}".strip(", ") if company.form else company.base.lower()
    return company.full.replace(" ", "  ", 1).lower()


def combined(rng: random.Random, company: Company) -> str:
    text = company.base if rng.random() < 0.6 else company.full
    if rng.random() < 0.6:
        text = strip_accents(text)
    if rng.random() < 0.5:
        text = typo(rng, text, 1)
    if rng.random() < 0.4:
        text = abbreviate(rng, text) or text
    if rng.random() < 0.3:
        text = text.upper()
    if text == company.full:
        text = typo(rng, strip_accents(text), 1)
    return text


def positive(rng: random.Random, names: Names, kind: str) -> tuple[str, str] | None:
    company = names.company()
    full = company.full
    variants: dict[str, Callable[[], str | None]] = {
        "typo_1": lambda: typo(rng, full, 1),
        "typo_2": lambda: typo(rng, full, 2),
        "legal_dropped": lambda: company.base if company.form else None,
        "legal_changed": lambda: f"{company.base} {_changed_form(rng, names, company)}" if company.form else None,
        "accents_lost": lambda: strip_accents(full) if strip_accents(full) != full else None,
        "noise_added": lambda: add_noise(rng, company),
        "abbreviation": lambda: abbreviate(rng, full),
        "domain": lambda: domain_of(rng, company),
        "reorder": lambda: reorder(rng, company),
        "connector": lambda: switch_connector(rng, company),
        "case_punctuation": lambda: case_punctuation(rng, company),
        "combined": lambda: combined(rng, company),
    }
    other = variants[kind]()
    if not other or other == full:
        return None
    return (full, other) if rng.random() < 0.5 else (other, full)


def _changed_form(rng: random.Random, names: Names, company: Company) -> str:
    country = words.COUNTRIES[company.country]
    if rng.random() < 0.5 and len(country.legal_forms) > 1:
        return names.other([f for f, _ in country.legal_forms], company.form)
    return legal_variant(rng, company.form)


# Hard negatives -----------------------------------------------------------------------------------

def negative(rng: random.Random, names: Names, kind: str) -> tuple[str, str] | None:
    builders = {
        "neg_other_distinctive": _other_distinctive, "neg_same_first_word": _same_first_word,
        "neg_same_surname": _same_surname, "neg_other_city": _other_city, "neg_shared_surname": _shared_surname,
        "neg_other_person": _other_person, "neg_lookalike": _lookalike, "neg_random": _random_pair,
    }
    pair = builders[kind](rng, names)
    if pair is None or _key(pair[0]) == _key(pair[1]):
        return None
    return pair


def _key(name: str) -> str:
    return re.sub(r"[^0-9a-z]", "", strip_accents(name).lower())


def _light_noise(rng: random.Random, company: Company) -> str:
    """Negatives get the positives' harmless changes too, so legal forms or accents give nothing away."""
    text = company.full if rng.random() < 0.6 else company.base
    return strip_accents(text) if rng.random() < 0.2 else text


def _other_distinctive(rng, names):
    first = names.company()
    country = words.COUNTRIES[first.country]
    second = names.company(country, first.pattern)
    return (_light_noise(rng, first), _light_noise(rng, second)) if first.part != second.part else None


def _same_first_word(rng, names):
    """'Horizonte Redes' / 'Horizonte Logística': one brand word, then different business words."""
    country = names.country()
    language = country.language
    brand = rng.choice(words.BRAND_WORDS[language] + words.DISTINCTIVE[language])
    sectors = [p.replace("{d}", "").strip() for p, _ in words.ACCOUNT_PATTERNS[language]]
    one, two = rng.sample(list(words.TECH_WORDS[language]) + sectors, 2)
    first = Company(f"{brand} {one}", names.form(country), country.code, language, "", brand)
    second = Company(f"{brand} {two}", names.form(country), country.code, language, "", brand)
    return _light_noise(rng, first), _light_noise(rng, second)


def _same_surname(rng, names):
    first = names.company()
    country = words.COUNTRIES[first.country]
    pattern = names.other([p for p, _ in words.ACCOUNT_PATTERNS[first.language]] +
                          list(EXTRA_PATTERNS[first.language]), first.pattern)
    second = names.company(country, pattern, first.part)
    return _light_noise(rng, first), _light_noise(rng, second)


def _other_city(rng, names):
    country = names.country()
    if rng.random() < 0.6:
        first = names.public(country)
        second = Company(first.base.replace(first.part, names.other(country.cities, first.part)), "",
                         country.code, country.language, first.pattern, "")
        return first.full, second.full
    company = names.company(country)
    one, two = rng.sample(country.cities, 2)
    joiner = {"pt": "de", "es": "de", "en": "of"}[country.language]
    return f"{company.base} {joiner} {one} {company.form}".strip(), f"{company.base} {joiner} {two}".strip()


def _shared_surname(rng, names):
    country = names.country()
    last = words.LAST_NAMES[country.language]
    shared = rng.choice(last)
    pattern = names.pattern(country.language)
    first = names.company(country, pattern, f"{shared} {rng.choice(last)}")
    second = names.company(country, pattern, f"{shared} {names.other(last, first.part.split()[-1])}")
    return _light_noise(rng, first), _light_noise(rng, second)


def _other_person(rng, names):
    country = names.country()
    group = "BR" if country.code == "BR" else "ES" if country.language == "es" else "EN"
    pattern = rng.choice([p for p, _ in words.PUBLIC_PATTERNS[group] if "{person}" in p])
    first_names, surname = words.FIRST_NAMES[country.language], rng.choice(words.LAST_NAMES[country.language])
    one = rng.choice(first_names)
    two = names.other(first_names, one)
    return pattern.format(person=f"{one} {surname}"), pattern.format(person=f"{two} {surname}")


def _lookalike(rng, names):
    """Two different surnames or places that differ by a letter or two (Moura / Mourão)."""
    language = rng.choice(("pt", "es", "en"))
    pool = sorted(set(words.DISTINCTIVE[language] + words.LAST_NAMES[language]))
    pairs = [(a, b) for i, a in enumerate(pool) for b in pool[i + 1:]
             if Indel.normalized_similarity(strip_accents(a).lower(), strip_accents(b).lower()) >= 0.7]
    one, two = rng.choice(pairs)
    country = words.COUNTRIES[rng.choice([c for c in words.COUNTRIES if words.COUNTRIES[c].language == language])]
    pattern = names.pattern(language)
    return names.company(country, pattern, one).full, _light_noise(rng, names.company(country, pattern, two))


def _random_pair(rng, names):
    return names.company().full, names.company().full


# The set ------------------------------------------------------------------------------------------

def build(seed: int) -> list[dict[str, str]]:
    rng = random.Random(f"channelbase-match-eval:{seed}")
    names = Names(rng)
    rows: list[dict[str, str]] = []
    seen: set[tuple[str, str]] = set()
    for kinds, make, same in ((POSITIVES, positive, "1"), (NEGATIVES, negative, "0")):
        for kind, count in kinds:
            added = attempts = 0
            while added < count and attempts < count * 50:
                attempts += 1
                pair = make(rng, names, kind)
                if pair and pair not in seen and pair[0] != pair[1]:
                    seen.add(pair)
                    rows.append({"left": pair[0], "right": pair[1], "same": same, "kind": kind})
                    added += 1
    rng.shuffle(rows)
    return rows


def write(rows: list[dict[str, str]], path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8", newline="") as out:
        writer = csv.DictWriter(out, fieldnames=["left", "right", "same", "kind"], lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=SEED)
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args(argv)
    rows = build(args.seed)
    write(rows, args.out)
    positives = sum(r["same"] == "1" for r in rows)
    print(f"{len(rows)} pairs ({positives} same, {len(rows) - positives} different) -> {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
