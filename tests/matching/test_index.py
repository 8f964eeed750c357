import random

from channelbase.matching.index import NameIndex

SURNAMES = ("Moura", "Carvalho", "Pereira", "Silva", "Herrera", "Castillo", "Navarro", "Whitaker", "Donovan",
            "Prescott", "Tavares", "Queiroz", "Bezerra", "Ibarra", "Orozco", "Zapata", "Paredes", "Salazar")
SECTORS = ("Transportes", "Hospital", "Banco", "Construtora", "Farmácias", "Laboratorios", "Seguros", "Hotéis")


def _names(count: int) -> list[str]:
    rng = random.Random(7)
    names = set()
    while len(names) < count:  # surnames in one order: "Moura Silva" and "Silva Moura" would tie
        first, second = sorted(rng.sample(SURNAMES, 2))
        names.add(f"{rng.choice(SECTORS)} {first} {second} {rng.randint(1, 40)}")
    return sorted(names)


def test_it_finds_the_right_name_among_thousands_despite_a_typo_and_a_legal_form():
    names = _names(5000) + ["Cervecería Regia S.A. de C.V."]
    index = NameIndex.build(enumerate(names))
    [best] = index.best_matches("Cerveceria Rgeia SA de CV", limit=1)
    assert best.name == "Cervecería Regia S.A. de C.V." and best.score >= 80


def test_it_finds_a_name_from_its_domain():
    index = NameIndex.build(enumerate(_names(3000) + ["Banco Horizonte S.A."]))
    assert index.best_matches("bancohorizonte.com.br", limit=1)[0].name == "Banco Horizonte S.A."


def test_every_name_retyped_finds_itself_first():
    names = _names(3000)
    index = NameIndex.build(enumerate(names))
    for id_ in range(0, 3000, 150):
        query = names[id_].upper().replace("Á", "A").replace("É", "E")
        assert index.best_matches(query, limit=1)[0].id == id_


def test_it_returns_nothing_for_an_unknown_name_above_a_minimum_score():
    index = NameIndex.build(enumerate(_names(2000)))
    assert index.best_matches("Acme Widgets Inc.", min_score=80) == []
    assert index.best_matches("", limit=3) == []


def test_it_can_leave_out_the_query_itself_and_add_names_later():
    index = NameIndex.build([(1, "Datos Norte S.A.C.")])
    index.add(2, "Datos Norte SAC")
    assert [hit.id for hit in index.best_matches("Datos Norte S.A.C.", exclude=1)] == [2]
    assert len(index) == 2
