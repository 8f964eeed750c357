import pytest

from channelbase.core.validation import domain_from_website, format_tax_id, normalize_country, normalize_tax_id


@pytest.mark.parametrize("country, raw, compact", [
    ("BR", "11.444.777/0001-61", "11444777000161"),
    ("MX", "NBR180215AB0", "NBR180215AB0"),
    ("AR", "20-26756539-3", "20267565393"),
    ("CL", "76.086.428-5", "760864285"),
    ("CO", "900.373.115-3", "9003731153"),
    ("US", "04-2103594", "042103594"),
    ("CA", "123456782", "123456782"),
])
def test_it_accepts_valid_tax_ids_and_stores_them_compact(country, raw, compact):
    assert normalize_tax_id(country, raw) == compact


@pytest.mark.parametrize("country, raw, label", [
    ("BR", "11.444.777/0001-62", "CNPJ"),
    ("AR", "20-26756539-4", "CUIT"),
    ("CL", "76.086.428-K", "RUT"),
    ("CO", "900.373.115-4", "NIT"),
    ("CA", "123456789", "Business Number"),
])
def test_it_refuses_a_wrong_check_digit_naming_the_id(country, raw, label):
    with pytest.raises(ValueError, match=label):
        normalize_tax_id(country, raw)


def test_it_formats_a_cnpj_for_people():
    assert format_tax_id("BR", "11444777000161") == "11.444.777/0001-61"


@pytest.mark.parametrize("code", ["XX", "BRA", "", "1A"])
def test_it_refuses_unknown_country_codes(code):
    with pytest.raises(ValueError, match="ISO 3166"):
        normalize_country(code)


def test_it_normalises_country_case():
    assert normalize_country(" br ") == "BR"


@pytest.mark.parametrize("website, domain", [
    ("https://www.Acme.com.br/contato", "acme.com.br"),
    ("nubebravo.mx", "nubebravo.mx"),
    ("", ""),
])
def test_it_derives_the_bare_domain(website, domain):
    assert domain_from_website(website) == domain


@pytest.mark.parametrize("website", ["ftp://acme.com", "not a site", "http://localhost"])
def test_it_refuses_bad_websites(website):
    with pytest.raises(ValueError):
        domain_from_website(website)
