import pytest

from channelbase.matching.normalize import canonical, normalize, split_words


@pytest.mark.parametrize(("name", "core"), [
    ("Cervecería Regia, S.A. de C.V.", "cerveceria regia"),  # Mexico
    ("Nube Bravo S. de R.L. de C.V.", "cloud bravo"),
    ("Grupo Bimbo, S.A.B. de C.V.", "bimbo"),
    ("Soluções Abertas Ltda. ME", "soluc abertas"),  # Brazil
    ("Metalúrgica Farol S/A", "metalurg farol"),
    ("Andes Cloud S.R.L.", "andes cloud"),  # Argentina
    ("Minera Atacama SpA", "mineria atacama"),  # Chile
    ("Rappi S.A.S.", "rappi"),  # Colombia
    ("Inka Datos S.A.C.", "inka data"),  # Peru
    ("Datos Norte E.I.R.L.", "data norte"),
    ("The Home Depot, Inc.", "home depot"),  # United States
    ("Harbor Health LLC", "harbor salud"),
    ("Maple Leaf Foods ULC", "maple leaf aliment"),  # Canada
    ("Boulangerie Tremblay Ltée", "boulangerie tremblay"),
    ("S.A.C.I. Falabella", "falabella"),  # a legal form first
])
def test_it_drops_the_legal_forms_of_each_country(name, core):
    assert normalize(name).text == core


@pytest.mark.parametrize(("short", "long"), [
    ("Tec. Sist. Ltda.", "Tecnologia Sistemas Ltda."),
    ("Svcs", "Serviços"), ("Servicios", "Services"),
    ("Intl", "International"), ("Cía.", "Companhia"), ("Soluc.", "Soluciones"),
    ("Ind.", "Indústrias"), ("Com.", "Comércio"), ("Dist.", "Distribuidora"), ("Hnos.", "Hermanos"),
    ("Corp.", "Corporation"),
])
def test_abbreviations_and_translations_share_one_canonical_word(short, long):
    assert [canonical(w) for w in split_words(short)] == [canonical(w) for w in split_words(long)]


@pytest.mark.parametrize(("noisy", "plain"), [
    ("Acme do Brasil Ltda.", "Acme"), ("Walmart de México", "Walmart"), ("Acme Holdings Inc.", "Acme"),
    ("The Kroger Company", "Kroger"), ("Grupo Nutresa", "Nutresa"), ("Acme USA", "Acme"),
    ("Acme Argentina S.A.", "Acme"), ("Acme Perú S.A.C.", "Acme"), ("Acme Chile SpA", "Acme"),
    ("Acme Colombia S.A.S.", "Acme"), ("Acme Americas", "Acme"),
])
def test_it_drops_noise_words_but_remembers_the_country(noisy, plain):
    assert normalize(noisy).tokens == normalize(plain).tokens


def test_a_country_stays_when_it_is_the_only_distinctive_word():
    assert normalize("Banco do Brasil S.A.").tokens == ("banco", "brasil")
    assert normalize("Banco do Brasil").countries == {"br"}


def test_accents_case_punctuation_and_connectors_do_not_matter():
    assert normalize("JOHNSON & JOHNSON").tokens == normalize("Johnson and Johnson").tokens
    assert normalize("Farmácias São João").tokens == normalize("farmacias sao joao").tokens
    assert normalize("Comercial y Distribuidora").tokens == normalize("Comercial e Distribuidora").tokens


def test_a_web_address_becomes_the_words_of_its_domain():
    assert normalize("https://www.cerveceria-regia.com.mx/contacto").raw == ("cerveceria", "regia")
    assert normalize("cerveceriaregia.mx").compact == normalize("Cervecería Regia S.A. de C.V.").compact


def test_it_keeps_initials_and_the_words_written_with_a_period():
    name = normalize("Companhia Siderúrgica Nacional")
    assert name.initials == "csn"
    assert "calif" in normalize("Castores de Baja Calif.").cut_short


def test_a_mistyped_legal_form_at_the_end_is_dropped():
    assert normalize("Soluções Farol Ltdaa.").tokens == normalize("Soluções Farol").tokens


def test_empty_names_normalise_to_nothing():
    assert not normalize("") and not normalize("  ,. ")
