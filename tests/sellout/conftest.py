"""A small two-distributor channel for the sell-out tests, on top of the demo personas.

Distributor A is the world's Distribuidora Delta (user dora), linked to the reseller Soluções Abertas; distributor
B is Atlas Distribución (Mexico, user carla). Products, a customer with a CNPJ, and BRL/MXN rates for October
2026 are added per test (and rolled back with it)."""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from datetime import date, datetime

import pytest
from openpyxl import Workbook

from channelbase.auth import service as auth_service
from channelbase.auth.models import Role, User
from channelbase.deals import fx, products
from channelbase.deals.schemas import ProductCreate
from channelbase.partners import accounts, service
from channelbase.partners.schemas import AccountCreate, PartnerCreate

OCTOBER = date(2026, 10, 1)
NOVEMBER = date(2026, 11, 1)
PASSWORD = "sell-out-password-1"


@dataclass
class Channel:
    admin: User
    lucia: User
    nathan: User
    dora: User   # a user of distributor A (Delta, Brazil)
    carla: User  # a user of distributor B (Atlas, Mexico)
    ana: User    # a user of the reseller Soluções Abertas
    delta: int
    atlas: int
    abertas: int
    bravo: int
    northwind: int
    products: dict[str, int] = field(default_factory=dict)
    accounts: dict[str, int] = field(default_factory=dict)


@pytest.fixture
def channel(db, actor, world) -> Channel:
    admin = actor("admin")
    atlas = service.create_partner(db, admin, PartnerCreate(
        name="Atlas Distribución S.A. de C.V.", type="distributor", territory_id=world.territories["mexico"],
        country="MX", currency="MXN", status="active", website="https://atlasdistribucion.mx"))
    carla = auth_service.create_user(db, admin, email="carla@atlasdistribucion.mx", name="Carla Ruiz",
                                     role=Role.PARTNER, password=PASSWORD, partner_id=atlas.id)
    made = Channel(admin=admin, lucia=actor("lucia"), nathan=actor("nathan"), dora=actor("dora"), carla=carla,
                   ana=actor("ana"), delta=world.partners["delta"], atlas=atlas.id,
                   abertas=world.partners["abertas"], bravo=world.partners["bravo"],
                   northwind=world.partners["northwind"])
    for sku, name in (("ELS-STD-1Y", "Enterprise Linux Server — Standard, 1 year"),
                      ("KPP-1Y", "Kubernetes Platform Plus — 2 cores, 1 year"),
                      ("TRN-EXAM", "Certification exam voucher")):
        made.products[sku] = products.create_product(db, admin, ProductCreate(
            sku=sku, name=name, family="OS", term="annual")).id
    made.accounts["metalurgica"] = accounts.create_account(db, admin, AccountCreate(
        name="Metalúrgica Paulista S.A.", country="BR", tax_id="45.997.418/0001-53",
        territory_id=world.territories["brazil"])).id
    made.accounts["horizonte"] = world.accounts["brazil"]  # Banco Horizonte S.A., bancohorizonte.com.br
    made.accounts["campinas"] = world.accounts["abertas"]  # Prefeitura de Campinas
    made.accounts["regia"] = world.accounts["bravo"]       # Cervecería Regia S.A. de C.V.
    for currency, rate in (("BRL", "0.18"), ("MXN", "0.05")):
        fx.set_rate(db, admin, currency, OCTOBER, rate)
    fx.set_rate(db, admin, "BRL", NOVEMBER, "0.20")
    db.flush()
    return made


def csv_bytes(rows: list[list[str]], delimiter: str = ";") -> bytes:
    return "\n".join(delimiter.join(row) for row in rows).encode("utf-8")


def xlsx_bytes(rows: list[list[object]]) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


# A distributor's own layout (Portuguese headers), `;`-separated with decimal commas.
DELTA_HEADER = ["Revenda", "CNPJ Revenda", "Cliente Final", "CNPJ Cliente", "Domínio", "País", "Código",
                "Qtd", "Valor", "Moeda", "Data da Fatura"]
DELTA_ROWS = [
    # matched by the reseller's tax id; the customer by its tax id
    ["SOLUCOES ABERTAS TEC", "11.444.777/0001-61", "Metalurgica Paulista", "45.997.418/0001-53", "", "BR",
     "ELS-STD-1Y", "2", "1.234,56", "BRL", "03/10/2026"],
    # the reseller by the same name key; the customer by its web domain
    ["Soluções Abertas Ltda", "", "Banco Horizonte", "", "www.bancohorizonte.com.br", "BR", "kpp-1y", "1",
     "10.000,00", "BRL", "15/10/2026"],
    # the reseller by a similar name (a typo); the customer by the same name key
    ["Solucoes Abertass", "", "BANCO HORIZONTE S/A", "", "", "BR", "ELS-STD-1Y", "3", "500,00", "USD",
     "20/10/2026"],
    # nothing known: the reseller, the customer and the product wait for review (twice the same texts)
    ["Revenda Fantasma ME", "", "Padaria do Zé", "", "", "BR", "XYZ-999", "1", "99,90", "BRL", "21/10/2026"],
    ["REVENDA FANTASMA", "", "Padaria do Zé", "", "", "BR", "XYZ-999", "4", "399,60", "BRL", "22/10/2026"],
]


def delta_file(rows: list[list[str]] | None = None) -> bytes:
    return csv_bytes([DELTA_HEADER, *(DELTA_ROWS if rows is None else rows)])


DELTA_MAPPING = {"reseller": "Revenda", "reseller_tax_id": "CNPJ Revenda", "customer": "Cliente Final",
                 "customer_tax_id": "CNPJ Cliente", "customer_domain": "Domínio", "country": "País",
                 "sku": "Código", "quantity": "Qtd", "amount": "Valor", "currency": "Moeda",
                 "invoice_date": "Data da Fatura"}


def atlas_workbook() -> bytes:
    """Distributor B's XLSX: English headers, dates and numbers as real cells, pesos."""
    return xlsx_bytes([
        ["Reseller Name", "Reseller RFC", "End Customer", "Customer Website", "SKU", "Qty", "Net Amount",
         "Currency", "Invoice Date"],
        ["Nube Bravo", "NBR180215AB0", "Cerveceria Regia", "", "TRN-EXAM", 10, 4500.5, "MXN",
         datetime(2026, 10, 7)],
        ["Northwind Systems", "", "Harbor Health", "harborhealth.org", "ELS-STD-1Y", 1, 799, "USD",
         datetime(2026, 10, 8)],
    ])
