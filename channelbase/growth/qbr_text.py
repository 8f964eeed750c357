"""The words of the QBR pack and the scorecard page, in English, Spanish and Brazilian Portuguese, and the
formatting of a scorecard's metrics in one of them. Every language has every key (a test checks)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from channelbase.core.money import Money
from channelbase.growth.scorecard import Comparison, Metric
from channelbase.plans.review import PlanRow, PlanSection

LANGUAGES = ("en", "es", "pt")

EN: dict[str, str] = {
    "title": "Quarterly business review",
    "prepared": "Prepared {date}",
    "quarter": "Quarter {quarter}: {start} to {end}",
    "as_of": "Figures to {as_of}; open pipeline and registrations as of {today}.",
    "scorecard": "Scorecard",
    "col.metric": "Metric", "col.value": "Value", "col.comparison": "Compared with", "col.status": "Status",
    "status.good": "On track", "status.watch": "Watch", "status.bad": "Behind", "status.none": "—",
    "metric.bookings_year": "Bookings, fiscal year to date",
    "metric.bookings_quarter": "Bookings this quarter",
    "metric.open_pipeline": "Open pipeline this fiscal year",
    "metric.weighted_forecast": "Weighted forecast for the year",
    "metric.pipeline_created": "Pipeline created this quarter",
    "metric.registrations": "Deal registrations: approval rate",
    "metric.win_rate": "Win rate this quarter (by count)",
    "metric.deal_size": "Average deal size, year to date",
    "metric.expiring": "Registrations expiring soon",
    "metric.cadence": "Last contact",
    "metric.certified": "Certified people",
    "metric.satisfaction": "Partner satisfaction",
    "cmp.plan_year": "plan {arg}: {value}",
    "cmp.plan_to_date": "plan to date: {value}",
    "cmp.attainment": "{value} of plan",
    "cmp.prior_to_date": "{arg} to the same day: {value}",
    "cmp.plan_quarter": "plan {arg}: {value}",
    "cmp.same_quarter_last_year": "{arg}: {value}",
    "cmp.growth": "growth {value}",
    "cmp.deals": "{value} deals",
    "cmp.gap": "gap to plan: {value}",
    "cmp.coverage": "covers the gap {value}",
    "cmp.prior_full_year": "{arg}: {value}",
    "cmp.submitted": "{value} submitted",
    "cmp.approved": "{value} approved",
    "cmp.rejected": "{value} rejected",
    "cmp.won": "{value} won",
    "cmp.lost": "{value} lost",
    "cmp.year_to_date": "{arg} to date: {value}",
    "cmp.within_days": "in the next {value} days",
    "cmp.first_expiry": "first on {value}",
    "cmp.due_on": "next contact due {value}",
    "cmp.every_days": "every {value} days",
    "cmp.days_overdue": "{value} days overdue",
    "missing.no_quota": "No quota set for this partner and year.",
    "missing.enablement": "Not tracked yet: arrives with enablement.",
    "missing.satisfaction": "Not tracked yet: arrives with partner surveys.",
    "missing.staff_only": "Kept by the vendor's channel team.",
    "missing.no_cadence_rule": "No contact cadence rule covers this partner.",
    "chart.months": "Bookings by month, {fy} vs {prior} ({currency})",
    "chart.stages": "Open pipeline by stage, {fy} ({currency})",
    "deals.won": "Deals won in {quarter}",
    "deals.next": "Open deals closing in {quarter} (top {n} by amount)",
    "deals.commitments": "Next-quarter commitments",
    "deals.commitments_rule": "Open deals closing by the end of {quarter} called commit (by a manager, or by a "
                              "probability of 80 % or more).",
    "deals.plans_note": "The joint business plan's commitments have their own section; these are deals.",
    "deals.none": "None.",
    "col.deal": "Deal", "col.stage": "Stage", "col.close": "Close date", "col.amount": "Amount",
    "col.reporting": "In {currency}", "col.probability": "Prob.", "col.category": "Forecast",
    "category.closed": "Won", "category.commit": "Commit", "category.best_case": "Best case",
    "category.pipeline": "Pipeline", "category.omitted": "Omitted",
    "currency_view": "Currency view",
    "view.actual": "Actual rates: each amount at the rate of its close date, in {currency}.",
    "view.constant": "Constant currency: every amount at the {fy} plan rate, in {currency}.",
    "rates_used": "Rates used",
    "no_rates": "Every amount was already in {currency}: nothing was converted.",
    "page": "Page {n}",
    "cmp.certified_sales": "{value} sales",
    "cmp.certified_presales": "{value} pre-sales",
    "plan.title": "Joint business plan",
    "plan.summary": "{fy} plan, revision {revision}: {status}. Attainment to date: {attainment}.",
    "plan.status.draft": "draft, awaiting the partner's signature",
    "plan.status.signed": "signed",
    "plan.none": "No joint business plan for {fy} yet.",
    "plan.side.partner": "The partner's commitments",
    "plan.side.vendor": "The vendor's commitments",
    "plan.col.commitment": "Commitment",
    "plan.col.quarter_target": "Target {quarter}",
    "plan.col.quarter_actual": "Actual {quarter}",
    "plan.col.year_target": "Target {fy}",
    "plan.col.to_date": "Year to date",
    "plan.col.percent": "Of due",
    "plan.kind.bookings": "Bookings",
    "plan.kind.pipeline_created": "Pipeline created",
    "plan.kind.registrations": "Deal registrations",
    "plan.kind.certified_people": "Certified people",
    "plan.kind.marketing_activities": "Marketing activities",
    "plan.kind.custom": "Other",
    "plan.rule": "Actuals come from the partner's deals (won by close date; created by creation date), registrations, "
                 "certifications and events; other commitments are recorded by the channel manager. “Of due” "
                 "compares the year to date with the targets due by then.",
    "month.1": "Jan", "month.2": "Feb", "month.3": "Mar", "month.4": "Apr", "month.5": "May", "month.6": "Jun",
    "month.7": "Jul", "month.8": "Aug", "month.9": "Sep", "month.10": "Oct", "month.11": "Nov", "month.12": "Dec",
}

ES: dict[str, str] = {
    "title": "Revisión trimestral de negocio",
    "prepared": "Preparado el {date}",
    "quarter": "Trimestre {quarter}: del {start} al {end}",
    "as_of": "Cifras al {as_of}; pipeline abierto y registros al {today}.",
    "scorecard": "Cuadro de mando",
    "col.metric": "Indicador", "col.value": "Valor", "col.comparison": "Comparado con", "col.status": "Estado",
    "status.good": "En línea", "status.watch": "Atención", "status.bad": "Por debajo", "status.none": "—",
    "metric.bookings_year": "Ventas cerradas, año fiscal a la fecha",
    "metric.bookings_quarter": "Ventas cerradas este trimestre",
    "metric.open_pipeline": "Pipeline abierto del año fiscal",
    "metric.weighted_forecast": "Pronóstico ponderado del año",
    "metric.pipeline_created": "Pipeline creado este trimestre",
    "metric.registrations": "Registros de oportunidades: tasa de aprobación",
    "metric.win_rate": "Tasa de éxito del trimestre (por cantidad)",
    "metric.deal_size": "Tamaño medio de operación, año a la fecha",
    "metric.expiring": "Registros que vencen pronto",
    "metric.cadence": "Último contacto",
    "metric.certified": "Personas certificadas",
    "metric.satisfaction": "Satisfacción del partner",
    "cmp.plan_year": "plan {arg}: {value}",
    "cmp.plan_to_date": "plan a la fecha: {value}",
    "cmp.attainment": "{value} del plan",
    "cmp.prior_to_date": "{arg} al mismo día: {value}",
    "cmp.plan_quarter": "plan {arg}: {value}",
    "cmp.same_quarter_last_year": "{arg}: {value}",
    "cmp.growth": "crecimiento {value}",
    "cmp.deals": "{value} oportunidades",
    "cmp.gap": "brecha al plan: {value}",
    "cmp.coverage": "cubre la brecha {value}",
    "cmp.prior_full_year": "{arg}: {value}",
    "cmp.submitted": "{value} enviados",
    "cmp.approved": "{value} aprobados",
    "cmp.rejected": "{value} rechazados",
    "cmp.won": "{value} ganadas",
    "cmp.lost": "{value} perdidas",
    "cmp.year_to_date": "{arg} a la fecha: {value}",
    "cmp.within_days": "en los próximos {value} días",
    "cmp.first_expiry": "el primero el {value}",
    "cmp.due_on": "próximo contacto antes del {value}",
    "cmp.every_days": "cada {value} días",
    "cmp.days_overdue": "{value} días de retraso",
    "missing.no_quota": "Sin cuota para este partner y año.",
    "missing.enablement": "Aún no se registra: llega con la capacitación (enablement).",
    "missing.satisfaction": "Aún no se registra: llega con las encuestas a partners.",
    "missing.staff_only": "Lo lleva el equipo de canal del fabricante.",
    "missing.no_cadence_rule": "Ninguna regla de cadencia de contacto cubre a este partner.",
    "chart.months": "Ventas cerradas por mes, {fy} frente a {prior} ({currency})",
    "chart.stages": "Pipeline abierto por etapa, {fy} ({currency})",
    "deals.won": "Oportunidades ganadas en {quarter}",
    "deals.next": "Oportunidades abiertas que cierran en {quarter} (las {n} mayores)",
    "deals.commitments": "Compromisos del próximo trimestre",
    "deals.commitments_rule": "Oportunidades abiertas que cierran antes del fin de {quarter} con pronóstico "
                              "«commit» (de un gerente, o por una probabilidad del 80 % o más).",
    "deals.plans_note": "Los compromisos del plan de negocio conjunto tienen su propia sección; estas son "
                        "oportunidades.",
    "deals.none": "Ninguna.",
    "col.deal": "Oportunidad", "col.stage": "Etapa", "col.close": "Cierre", "col.amount": "Importe",
    "col.reporting": "En {currency}", "col.probability": "Prob.", "col.category": "Pronóstico",
    "category.closed": "Ganada", "category.commit": "Commit", "category.best_case": "Mejor caso",
    "category.pipeline": "Pipeline", "category.omitted": "Omitida",
    "currency_view": "Vista de moneda",
    "view.actual": "Tipos de cambio reales: cada importe al tipo de su fecha de cierre, en {currency}.",
    "view.constant": "Moneda constante: todos los importes al tipo del plan {fy}, en {currency}.",
    "rates_used": "Tipos de cambio usados",
    "no_rates": "Todos los importes ya estaban en {currency}: no se convirtió nada.",
    "page": "Página {n}",
    "cmp.certified_sales": "{value} de ventas",
    "cmp.certified_presales": "{value} de preventa",
    "plan.title": "Plan de negocio conjunto",
    "plan.summary": "Plan {fy}, revisión {revision}: {status}. Cumplimiento a la fecha: {attainment}.",
    "plan.status.draft": "borrador, pendiente de la firma del partner",
    "plan.status.signed": "firmado",
    "plan.none": "Aún no hay plan de negocio conjunto para {fy}.",
    "plan.side.partner": "Compromisos del partner",
    "plan.side.vendor": "Compromisos del fabricante",
    "plan.col.commitment": "Compromiso",
    "plan.col.quarter_target": "Meta {quarter}",
    "plan.col.quarter_actual": "Real {quarter}",
    "plan.col.year_target": "Meta {fy}",
    "plan.col.to_date": "Año a la fecha",
    "plan.col.percent": "Del esperado",
    "plan.kind.bookings": "Ventas cerradas",
    "plan.kind.pipeline_created": "Pipeline creado",
    "plan.kind.registrations": "Registros de oportunidades",
    "plan.kind.certified_people": "Personas certificadas",
    "plan.kind.marketing_activities": "Actividades de marketing",
    "plan.kind.custom": "Otro",
    "plan.rule": "Los valores reales salen de las oportunidades del partner (ganadas por fecha de cierre; creadas "
                 "por fecha de creación), sus registros, certificaciones y eventos; los demás compromisos los "
                 "registra el gerente de canal. «Del esperado» compara el año a la fecha con las metas vencidas "
                 "hasta hoy.",
    "month.1": "ene", "month.2": "feb", "month.3": "mar", "month.4": "abr", "month.5": "may", "month.6": "jun",
    "month.7": "jul", "month.8": "ago", "month.9": "sep", "month.10": "oct", "month.11": "nov", "month.12": "dic",
}

PT: dict[str, str] = {
    "title": "Revisão trimestral de negócios",
    "prepared": "Preparado em {date}",
    "quarter": "Trimestre {quarter}: de {start} a {end}",
    "as_of": "Números até {as_of}; pipeline aberto e registros em {today}.",
    "scorecard": "Painel de indicadores",
    "col.metric": "Indicador", "col.value": "Valor", "col.comparison": "Comparado com", "col.status": "Situação",
    "status.good": "No caminho", "status.watch": "Atenção", "status.bad": "Abaixo", "status.none": "—",
    "metric.bookings_year": "Vendas fechadas, ano fiscal até a data",
    "metric.bookings_quarter": "Vendas fechadas neste trimestre",
    "metric.open_pipeline": "Pipeline aberto do ano fiscal",
    "metric.weighted_forecast": "Previsão ponderada do ano",
    "metric.pipeline_created": "Pipeline criado neste trimestre",
    "metric.registrations": "Registros de oportunidades: taxa de aprovação",
    "metric.win_rate": "Taxa de conversão do trimestre (por quantidade)",
    "metric.deal_size": "Tamanho médio dos negócios, ano até a data",
    "metric.expiring": "Registros que vencem em breve",
    "metric.cadence": "Último contato",
    "metric.certified": "Pessoas certificadas",
    "metric.satisfaction": "Satisfação do parceiro",
    "cmp.plan_year": "plano {arg}: {value}",
    "cmp.plan_to_date": "plano até a data: {value}",
    "cmp.attainment": "{value} do plano",
    "cmp.prior_to_date": "{arg} até o mesmo dia: {value}",
    "cmp.plan_quarter": "plano {arg}: {value}",
    "cmp.same_quarter_last_year": "{arg}: {value}",
    "cmp.growth": "crescimento {value}",
    "cmp.deals": "{value} oportunidades",
    "cmp.gap": "falta para o plano: {value}",
    "cmp.coverage": "cobre a diferença {value}",
    "cmp.prior_full_year": "{arg}: {value}",
    "cmp.submitted": "{value} enviados",
    "cmp.approved": "{value} aprovados",
    "cmp.rejected": "{value} rejeitados",
    "cmp.won": "{value} ganhas",
    "cmp.lost": "{value} perdidas",
    "cmp.year_to_date": "{arg} até a data: {value}",
    "cmp.within_days": "nos próximos {value} dias",
    "cmp.first_expiry": "o primeiro em {value}",
    "cmp.due_on": "próximo contato até {value}",
    "cmp.every_days": "a cada {value} dias",
    "cmp.days_overdue": "{value} dias de atraso",
    "missing.no_quota": "Sem cota para este parceiro e ano.",
    "missing.enablement": "Ainda não registrado: chega com a capacitação (enablement).",
    "missing.satisfaction": "Ainda não registrado: chega com as pesquisas com parceiros.",
    "missing.staff_only": "Mantido pela equipe de canais do fabricante.",
    "missing.no_cadence_rule": "Nenhuma regra de cadência de contato cobre este parceiro.",
    "chart.months": "Vendas fechadas por mês, {fy} vs {prior} ({currency})",
    "chart.stages": "Pipeline aberto por etapa, {fy} ({currency})",
    "deals.won": "Oportunidades ganhas em {quarter}",
    "deals.next": "Oportunidades abertas com fechamento em {quarter} (as {n} maiores)",
    "deals.commitments": "Compromissos do próximo trimestre",
    "deals.commitments_rule": "Oportunidades abertas com fechamento até o fim de {quarter} na previsão "
                              "«commit» (de um gerente, ou por probabilidade de 80 % ou mais).",
    "deals.plans_note": "Os compromissos do plano de negócios conjunto têm sua própria seção; estas são "
                        "oportunidades.",
    "deals.none": "Nenhuma.",
    "col.deal": "Oportunidade", "col.stage": "Etapa", "col.close": "Fechamento", "col.amount": "Valor",
    "col.reporting": "Em {currency}", "col.probability": "Prob.", "col.category": "Previsão",
    "category.closed": "Ganha", "category.commit": "Commit", "category.best_case": "Melhor caso",
    "category.pipeline": "Pipeline", "category.omitted": "Omitida",
    "currency_view": "Visão de moeda",
    "view.actual": "Câmbio real: cada valor à taxa da sua data de fechamento, em {currency}.",
    "view.constant": "Moeda constante: todos os valores à taxa do plano {fy}, em {currency}.",
    "rates_used": "Taxas de câmbio usadas",
    "no_rates": "Todos os valores já estavam em {currency}: nada foi convertido.",
    "page": "Página {n}",
    "cmp.certified_sales": "{value} de vendas",
    "cmp.certified_presales": "{value} de pré-vendas",
    "plan.title": "Plano de negócios conjunto",
    "plan.summary": "Plano {fy}, revisão {revision}: {status}. Atingimento até a data: {attainment}.",
    "plan.status.draft": "rascunho, aguardando a assinatura do parceiro",
    "plan.status.signed": "assinado",
    "plan.none": "Ainda não há plano de negócios conjunto para {fy}.",
    "plan.side.partner": "Compromissos do parceiro",
    "plan.side.vendor": "Compromissos do fabricante",
    "plan.col.commitment": "Compromisso",
    "plan.col.quarter_target": "Meta {quarter}",
    "plan.col.quarter_actual": "Real {quarter}",
    "plan.col.year_target": "Meta {fy}",
    "plan.col.to_date": "Ano até a data",
    "plan.col.percent": "Do previsto",
    "plan.kind.bookings": "Vendas fechadas",
    "plan.kind.pipeline_created": "Pipeline criado",
    "plan.kind.registrations": "Registros de oportunidades",
    "plan.kind.certified_people": "Pessoas certificadas",
    "plan.kind.marketing_activities": "Atividades de marketing",
    "plan.kind.custom": "Outro",
    "plan.rule": "Os valores reais vêm das oportunidades do parceiro (ganhas pela data de fechamento; criadas pela "
                 "data de criação), registros, certificações e eventos; os demais compromissos são registrados "
                 "pelo gerente de canais. «Do previsto» compara o ano até a data com as metas vencidas até então.",
    "month.1": "jan", "month.2": "fev", "month.3": "mar", "month.4": "abr", "month.5": "mai", "month.6": "jun",
    "month.7": "jul", "month.8": "ago", "month.9": "set", "month.10": "out", "month.11": "nov", "month.12": "dez",
}

TEXTS: dict[str, dict[str, str]] = {"en": EN, "es": ES, "pt": PT}


def language_of(code: str | None) -> str:
    """'pt-BR', 'es_MX', 'ES' -> a language the pack is written in; anything else -> English."""
    short = (code or "").strip().lower()[:2]
    return short if short in TEXTS else "en"


class Words:
    """One language's strings and number, date and money formats."""

    def __init__(self, language: str):
        self.language = language_of(language)
        self.texts = TEXTS[self.language]
        self.local = self.language != "en"  # R$ 1.234,56 for a Brazilian reader; BRL 1,234.56 in English

    def __call__(self, key: str, **values: Any) -> str:
        return self.texts[key].format(**values)

    def money(self, money: Money | None) -> str:
        return "—" if money is None else money.format(local=self.local)

    def number(self, value: Decimal | int) -> str:
        text = f"{value:,}"
        return text.replace(",", "\0").replace(".", ",").replace("\0", ".") if self.local else text

    def percent(self, value: Decimal | None) -> str:
        return "—" if value is None else f"{self.number(value)} %"

    def day(self, value: date | None) -> str:
        if value is None:
            return "—"
        return value.isoformat() if self.language == "en" else value.strftime("%d/%m/%Y")

    def month(self, month: int) -> str:
        return self.texts[f"month.{month}"]

    def value(self, kind: str, value: Any) -> str:
        if value is None:
            return "—"
        if kind == "money":
            return self.money(value)
        if kind == "percent":
            return self.percent(value)
        if kind == "ratio":
            return f"{self.number(value)}×"
        if kind == "date":
            return self.day(value)
        if kind == "count":
            return self.number(value)
        return str(value)

    def comparison(self, comparison: Comparison) -> str:
        return self(f"cmp.{comparison.key}", value=self.value(comparison.kind, comparison.value), arg=comparison.arg)

    def metric_row(self, metric: Metric) -> tuple[str, str, str, str]:
        """(label, value, compared with, status) of a metric, as the table shows them."""
        label = self(f"metric.{metric.key}")
        if metric.missing and metric.value is None:
            return label, "—", self(f"missing.{metric.missing}"), self(f"status.{metric.status}")
        shown = [c for c in metric.comparisons if c.value is not None and not (c.key == "days_overdue" and
                                                                                not c.value)]
        compared = "; ".join(self.comparison(c) for c in shown)
        if metric.missing:
            compared = f"{compared}. {self(f'missing.{metric.missing}')}" if compared else \
                self(f"missing.{metric.missing}")
        return label, self.value(metric.kind, metric.value), compared, self(f"status.{metric.status}")

    def plan_summary(self, section: PlanSection, fiscal_year_label: str) -> str:
        """'FY2026 plan, revision 2: signed. Attainment to date: 83.3 %.'"""
        return self("plan.summary", fy=fiscal_year_label, revision=section.revision,
                    status=self(f"plan.status.{section.status}"), attainment=self.percent(section.attainment))

    def plan_row(self, row: PlanRow) -> tuple[str, str, str, str, str, str]:
        """(commitment, quarter target, quarter actual, year target, year to date, share of what was due)."""
        label = self(f"plan.kind.{row.kind}") + (f" — {row.description}" if row.description else "")
        return (label, self.value(row.unit, row.quarter_target), self.value(row.unit, row.quarter_actual),
                self.value(row.unit, row.year_target), self.value(row.unit, row.to_date), self.percent(row.percent))
