"""The periodic checks on the web: the supporter's form and comparison page, the client's
phone pages (their own link and LINE's signed link), the employer's form (consent scope
「定期チェック」 only, never in closed employment) and the service manager's due list.

Storage, versions and audit are the shared client-document foundation's
(``services/assessment_docs.py``); the items and the scoring are in
``services/assessment_items.py`` and ``services/assessments.py``.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from datetime import date
from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from markupsafe import Markup
from sqlalchemy import select

from checkin.models import Client, ClientStatus, ConsentScope, Role
from checkin.models.document import ClientDocument, DocKind, DocStatus
from checkin.services import assessment_docs as docs
from checkin.services import assessments as scoring
from checkin.services import documents, resource_map
from checkin.services.assessment_items import (
    CHECKS,
    CLIENT_SCALE,
    NATURAL,
    NOT_KNOWN,
    STABILITY,
    STAFF_SCALE,
    Check,
)
from checkin.services.errors import ValidationError
from checkin.services.radar import Series, radar_svg, trend_svg
from checkin.timeutil import local_date
from checkin.web import get_db, now
from checkin.web.auth import current_staff, staff_required
from checkin.web.client_form import _client_or_404
from checkin.web.clients import own_client
from checkin.web.documents import _signed_client
from checkin.web.employer import _consented, _view_audit, current_employer_user, employer_required

bp = Blueprint("assessments", __name__)

# URLs name a check by a short word; the documents by their kind.
SLUGS: dict[str, Check] = {"stability": STABILITY, "natural": NATURAL}
SLUG_OF = {c.kind: slug for slug, c in SLUGS.items()}


def _check(slug: str) -> Check:
    found = SLUGS.get(slug)
    if found is None:
        abort(404)
    return found


# --- Jinja helpers -----------------------------------------------------------------------


def mean_text(value: float | None) -> str:
    return _("回答なし") if value is None else f"{value:.1f}"


def radar_chart(check: Check, series: list[tuple[str, list[float | None]]], title: str) -> Markup:
    return radar_svg(
        [str(a.short) for a in check.areas],
        [Series(str(label), values) for label, values in series],
        title=str(title),
    )


def side_label(side: str) -> str:
    return str(scoring.SIDE_LABELS.get(side, side))


def answer_of(body: Mapping[str, Any] | None, key: str) -> Any:
    return scoring.answers_of(body).get(key)


def note_of(body: Mapping[str, Any] | None, area: str) -> str:
    return scoring.notes_of(body).get(area, "")


@bp.record_once
def _install_helpers(state: Any) -> None:
    """Globals (not a context processor): the macros in assessments/_macros.html use them."""
    state.app.jinja_env.globals.update(_helpers())


def _helpers() -> dict[str, Any]:
    return {
        "radar_chart": radar_chart,
        "trend_chart": trend_svg,
        "mean_text": mean_text,
        "side_label": side_label,
        "answer_of": answer_of,
        "note_of": note_of,
        "check_slug": SLUG_OF,
        "assessment_check": lambda kind: CHECKS[str(kind)],
        "assessment_summary_for": summary,
        "assessment_answers": scoring.answers_of,
        "assessment_notes": scoring.notes_of,
        "assessment_scores": scoring.area_scores,
        "assessment_scale": lambda plain: CLIENT_SCALE if plain else STAFF_SCALE,
        "resource_topics": resource_map.TOPICS,
        "resource_entries": resource_map.entries,
        "resource_tel": resource_map.tel,
        "resource_map_of": _map_doc,
    }


# --- What the pages show ------------------------------------------------------------------


def _reviews(client: Client) -> list[date]:
    return docs.plan_reviews(get_db(), client)


def due_points(client: Client, kind: str, rounds: list[docs.Round]) -> list[scoring.DuePoint]:
    return docs.due_points(get_db(), client, kind, rounds)


def summary(client: Client) -> list[dict[str, Any]]:
    """Per check: rounds, the next due point and each area's trend (the client page)."""
    today = local_date(now(), client.office.timezone)
    out = []
    for check in (STABILITY, NATURAL):
        all_rounds = docs.rounds(get_db(), client.id, check.kind)
        points = due_points(client, check.kind, all_rounds)
        sides = {s for r in all_rounds for s in r.sent()}
        # each side over the rounds it answered (a round without its sheet is no point)
        trends = {
            side: scoring.trends(check, [r.bodies()[side] for r in all_rounds if side in r.sent()])
            for side in scoring.SIDES
            if side in sides
        }
        out.append(
            {
                "check": check,
                "slug": SLUG_OF[check.kind],
                "rounds": all_rounds,
                "next": scoring.next_due(points, today),
                "today": today,
                "trends": trends,
            }
        )
    return out


# --- Staff ---------------------------------------------------------------------------------


@bp.get("/clients/<int:client_id>/checks/<slug>")
@staff_required()
def check_page(client_id: int, slug: str) -> Any:
    """One round side by side (three sides' radar, the biggest gaps first), against the
    previous round, the health area against the check-ins, and the trend over rounds."""
    client = own_client(client_id)
    check = _check(slug)
    db = get_db()
    all_rounds = docs.rounds(db, client.id, check.kind)
    asked = request.args.get("round", "")
    chosen = next((r for r in all_rounds if r.day.isoformat() == asked), None)
    if chosen is None and all_rounds:
        chosen = all_rounds[-1]
    context: dict[str, Any] = {
        "client": client,
        "check": check,
        "slug": slug,
        "rounds": all_rounds,
        "chosen": chosen,
        "scale": STAFF_SCALE,
        "summary": next(s for s in summary(client) if s["check"] is check),
    }
    if chosen is not None:
        bodies = chosen.bodies()
        view = scoring.side_by_side(check, bodies)
        context["view"] = view
        context["bodies"] = bodies
        context["sides_series"] = [
            (side_label(s), [x.mean for x in view.scores[s]]) for s in view.sides
        ]
        side = request.args.get("side", "staff")
        if side not in scoring.SIDES:
            side = "staff"
        earlier = [
            r for r in all_rounds if r.day < chosen.day and side in r.sent() and side in bodies
        ]
        if earlier:
            prev = earlier[-1]
            before = prev.bodies()[side]
            context["previous"] = prev
            context["prev_side"] = side
            context["changes"] = scoring.changes(check, before, bodies[side])
            context["prev_series"] = [
                (_("前回 (%(day)s)", day=prev.day.isoformat()), scoring.means(check, before)),
                (
                    _("今回 (%(day)s)", day=chosen.day.isoformat()),
                    scoring.means(check, bodies[side]),
                ),
            ]
        if check is STABILITY:
            evidence = scoring.load_health_evidence(db, client, chosen.day)
            context["evidence"] = evidence
            context["mismatches"] = [
                (s, m)
                for s in ("client", "staff")
                if s in bodies
                for m in scoring.health_mismatches(bodies[s], evidence)
            ]
    db.commit()
    return render_template("assessments/check.html", **context)


@bp.route("/clients/<int:client_id>/checks/<slug>/fill", methods=["GET", "POST"])
@staff_required()
def staff_fill(client_id: int, slug: str) -> Any:
    client = own_client(client_id)
    check = _check(slug)
    db = get_db()
    today = local_date(now(), client.office.timezone)
    errors: dict[str, str] = {}
    if request.method == "POST":
        try:
            body = scoring.parse_form(check, request.form)
            docs.write(
                db, client, check.kind, "staff", body, today=today, now=now(), by=current_staff()
            )
        except ValidationError as e:
            db.rollback()
            errors = {k: str(v) for k, v in e.errors.items()}
            body = _form_body(check, request.form)
        else:
            db.commit()
            flash(_("%(title)sを保存しました。", title=check.title), "ok")
            return redirect(url_for("assessments.check_page", client_id=client.id, slug=slug), 303)
    else:
        existing = docs.sheet(db, client, check.kind, "staff", today)
        body = existing.body if existing is not None else {}
        db.commit()
    return render_template(
        "assessments/form.html",
        client=client,
        check=check,
        answers=scoring.answers_of(body),
        notes=scoring.notes_of(body),
        errors=errors,
        scale=STAFF_SCALE,
        back=url_for("assessments.check_page", client_id=client.id, slug=slug),
        who=_("支援員として回答"),
    ), (400 if errors else 200)


def _form_body(check: Check, form: Mapping[str, str]) -> dict[str, Any]:
    """What the person chose, to show the form again after a refusal (valid values only)."""
    answers: dict[str, Any] = {}
    for item in check.items:
        raw = form.get(f"a-{item.key}", "")
        if raw == NOT_KNOWN:
            answers[item.key] = NOT_KNOWN
        elif raw in ("1", "2", "3", "4"):
            answers[item.key] = int(raw)
    notes = {a.key: form.get(f"note-{a.key}", "")[:2000] for a in check.areas}
    return {"answers": answers, "notes": notes}


@bp.get("/checks/due")
@staff_required(Role.ADMIN, Role.SERVICE_MANAGER)
def due_list() -> str:
    """The service manager's list: every active client's next round, overdue first."""
    staff = current_staff()
    db = get_db()
    clients = db.scalars(
        select(Client)
        .where(Client.office_id == staff.office_id, Client.status == ClientStatus.ACTIVE)
        .order_by(Client.name_kana, Client.name)
    ).all()
    rows = []
    for client in clients:
        today = local_date(now(), client.office.timezone)
        for check in (STABILITY, NATURAL):
            point = scoring.next_due(
                due_points(client, check.kind, docs.rounds(db, client.id, check.kind)), today
            )
            if point is not None and point.state(today) in ("overdue", "due"):
                rows.append((client, check, point, point.state(today)))
    rows.sort(key=lambda r: (r[3] != "overdue", r[2].due))
    db.commit()
    return render_template("assessments/due.html", rows=rows, slug_of=SLUG_OF)


# --- The client ----------------------------------------------------------------------------


def _client_steps(check: Check) -> int:
    return len(check.areas) + 1  # one area per screen, then the summary to send


def _client_page(client: Client, step: int, base: dict[str, Any]) -> Any:
    """One screen of the client's own check (both link kinds share it)."""
    check = STABILITY
    db = get_db()
    today = local_date(now(), client.office.timezone)
    if not 1 <= step <= _client_steps(check):
        abort(404)
    existing = docs.sheet(db, client, check.kind, "client", today)
    body: dict[str, Any] = dict(existing.body) if existing is not None else {}
    errors: dict[str, str] = {}
    if request.method == "POST":
        try:
            if step <= len(check.areas):
                area = check.areas[step - 1]
                part = scoring.parse_form(dataclasses.replace(check, areas=(area,)), request.form)
                answers = {
                    k: v
                    for k, v in scoring.answers_of(body).items()
                    if not k.startswith(area.key + ".")
                }
                answers.update(part["answers"])
                notes = {k: v for k, v in scoring.notes_of(body).items() if k != area.key}
                notes.update(part["notes"])
                body = {"answers": answers, "notes": notes}
                docs.write(
                    db, client, check.kind, "client", body, today=today, now=now(), send=False
                )
            else:
                docs.write(db, client, check.kind, "client", body, today=today, now=now())
        except ValidationError as e:
            db.rollback()
            errors = {k: str(v) for k, v in e.errors.items()}
        else:
            db.commit()
            if step > len(check.areas):
                return redirect(base["url"](0), 303)
            return redirect(base["url"](step + 1), 303)
    sent = existing is not None and existing.status.value != "draft"
    html = render_template(
        "assessments/client.html",
        client=client,
        check=check,
        step=step,
        steps=_client_steps(check),
        area=check.areas[step - 1] if step <= len(check.areas) else None,
        answers=scoring.answers_of(body),
        notes=scoring.notes_of(body),
        errors=errors,
        scale=CLIENT_SCALE,
        sent=sent,
        **base,
    )
    db.commit()
    return html, (400 if errors else 200)


@bp.route("/c/<token>/check", methods=["GET"])
def client_start(token: str) -> Any:
    client = _client_or_404(token)
    return _client_done_or_start(client, {"url": _token_url(token), "token": token})


@bp.route("/c/<token>/check/<int:step>", methods=["GET", "POST"])
def client_step(token: str, step: int) -> Any:
    client = _client_or_404(token)
    return _client_page(client, step, {"url": _token_url(token), "token": token})


def _token_url(token: str) -> Any:
    def url(step: int) -> str:
        if step == 0:
            return url_for("assessments.client_start", token=token)
        return url_for("assessments.client_step", token=token, step=step)

    return url


def _signed_url(signed: str) -> Any:
    def url(step: int) -> str:
        if step == 0:
            return url_for("assessments.line_start", signed=signed)
        return url_for("assessments.line_step", signed=signed, step=step)

    return url


@bp.get("/me/<signed>/check")
def line_start(signed: str) -> Any:
    client = _signed_client(signed)
    return _client_done_or_start(client, {"url": _signed_url(signed), "token": None})


@bp.route("/me/<signed>/check/<int:step>", methods=["GET", "POST"])
def line_step(signed: str, step: int) -> Any:
    client = _signed_client(signed)
    return _client_page(client, step, {"url": _signed_url(signed), "token": None})


def _client_done_or_start(client: Client, base: dict[str, Any]) -> Any:
    """The check's first page: what it is, and whether it was sent in this round."""
    db = get_db()
    today = local_date(now(), client.office.timezone)
    existing = docs.sheet(db, client, STABILITY.kind, "client", today)
    html = render_template(
        "assessments/client_start.html",
        client=client,
        check=STABILITY,
        sent=existing is not None and existing.status.value != "draft",
        started=existing is not None,
        **base,
    )
    db.commit()
    return html


# --- The employer --------------------------------------------------------------------------


@bp.route("/employer/clients/<int:client_id>/checks/<slug>", methods=["GET", "POST"])
@employer_required
def employer_fill(client_id: int, slug: str) -> Any:
    """The employer side's answers: only with the consent scope 「定期チェック」 (and never
    in closed employment: ``_consented`` gives no scope then)."""
    check = _check(slug)
    user = current_employer_user()
    client, scopes = _consented(user, client_id)
    if ConsentScope.ASSESSMENT.value not in scopes:
        abort(403)
    db = get_db()
    today = local_date(now(), client.office.timezone)
    errors: dict[str, str] = {}
    if request.method == "POST":
        try:
            body = scoring.parse_form(check, request.form)
            docs.write(
                db, client, check.kind, "employer", body, today=today, now=now(), employer_user=user
            )
        except ValidationError as e:
            db.rollback()
            errors = {k: str(v) for k, v in e.errors.items()}
            body = _form_body(check, request.form)
        else:
            db.commit()
            flash(_("%(title)sを送りました。ありがとうございました。", title=check.title), "ok")
            return redirect(url_for("employer.client_view", client_id=client.id), 303)
    else:
        existing = docs.sheet(db, client, check.kind, "employer", today)
        body = existing.body if existing is not None else {}
        _view_audit(user, "employer.assessment_view", client, scopes)
        db.commit()
    return render_template(
        "assessments/form.html",
        client=client,
        check=check,
        answers=scoring.answers_of(body),
        notes=scoring.notes_of(body),
        errors=errors,
        scale=STAFF_SCALE,
        back=url_for("employer.client_view", client_id=client.id),
        who=_("職場として回答"),
    ), (400 if errors else 200)


# --- The resource map (資源マップ) ---------------------------------------------------------


def _map_doc(client: Client) -> ClientDocument | None:
    return documents.current(get_db(), client.id, DocKind.RESOURCE_MAP, resource_map.PERIOD)


@bp.route("/clients/<int:client_id>/resource-map", methods=["GET", "POST"])
@staff_required()
def resource_map_form(client_id: int) -> Any:
    """The supporter's form; saving keeps a sent version open (edited in place) and a
    confirmed one as it was (the save makes the next version)."""
    client = own_client(client_id)
    db = get_db()
    doc = _map_doc(client)
    errors: dict[str, str] = {}
    conflict = False
    status = 200
    values: dict[str, Any] = {
        key: resource_map.entries(doc.body if doc else None, key) for key, *_ in resource_map.TOPICS
    }
    revision = doc.revision if doc is not None and not doc.locked else 0
    if request.method == "POST":
        try:
            body = resource_map.parse_form(request.form)
            if doc is None or doc.locked:
                doc = documents.start(
                    db,
                    client,
                    DocKind.RESOURCE_MAP,
                    resource_map.PERIOD,
                    body,
                    by=current_staff(),
                    now=now(),
                )
            else:
                sent_revision = request.form.get("revision", "")
                documents.save(
                    db,
                    doc,
                    body,
                    revision=int(sent_revision) if sent_revision.isdigit() else -1,
                    by=current_staff(),
                    now=now(),
                )
        except ValidationError as e:
            db.rollback()
            errors = {k: str(v) for k, v in e.errors.items()}
            status = 400
        except documents.DocumentConflict:
            db.rollback()
            conflict = True
            status = 409
        else:
            db.commit()
            flash(_("資源マップを保存しました。"), "ok")
            return redirect(url_for("documents.view", doc_id=doc.id), 303)
        values = {
            key: [
                {f: request.form.get(f"e-{key}-{n}-{f}", "")[:300] for f in resource_map.FIELDS}
                for n in range(resource_map.ROWS)
            ]
            for key, *_ in resource_map.TOPICS
        }
    else:
        db.commit()
    return render_template(
        "resource_map/form.html",
        client=client,
        topics=resource_map.TOPICS,
        fields=resource_map.FIELDS,
        field_labels=resource_map.FIELD_LABELS,
        row_count=resource_map.ROWS,
        values=values,
        errors=errors,
        conflict=conflict,
        revision=revision,
    ), status


def _client_map(client: Client, link: Any, back: str) -> Any:
    doc = _map_doc(client)
    if doc is not None and doc.status != DocStatus.DRAFT:
        return redirect(link(doc), 303)
    get_db().commit()
    return render_template("resource_map/none.html", back=back)


@bp.get("/c/<token>/map")
def client_map(token: str) -> Any:
    client = _client_or_404(token)
    return _client_map(
        client,
        lambda d: url_for("documents.client_doc", token=token, doc_id=d.id),
        url_for("client_form.me", token=token),
    )


@bp.get("/me/<signed>/map")
def line_map(signed: str) -> Any:
    client = _signed_client(signed)
    return _client_map(
        client,
        lambda d: url_for("documents.line_doc", signed=signed, doc_id=d.id),
        url_for("client_form.line_me", signed=signed),
    )
