"""`samverkan people …`: the people store (names and e-mail addresses, outside the event log)."""

from __future__ import annotations

import click
from flask.cli import AppGroup, with_appcontext

from adapters.people import Person
from web.app import system

people_cli = AppGroup("people", help="People: names and e-mail addresses, kept outside the event log.")


@people_cli.command("list")
@with_appcontext
def list_people() -> None:
    """Every person: id, name, e-mail address, and whether they are erased."""
    for person in system().people.all():
        name = "" if person.erased else person.name or ""
        click.echo(f"{person.id}  {name:<30} {person.email or '':<40} "
                   f"{'erased' if person.erased else ''}".rstrip())


@people_cli.command("erase")
@click.argument("email_or_id")
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
@with_appcontext
def erase_person(email_or_id: str, yes: bool) -> None:
    """Erase a person's personal data (GDPR): name, e-mail, password, sessions, API tokens.

    EMAIL_OR_ID is their e-mail address, their id, or at least its first 8 characters.
    The event log keeps their id only, so the history still verifies.
    """
    from web.views.account import erase_person as erase

    person = _find_person(email_or_id.strip())
    if person.erased:
        raise click.ClickException(f"Person #{person.id[:8]} is already erased.")
    if not yes:
        click.confirm(f"Erase {person.name} <{person.email or '-'}> (#{person.id[:8]}) for good?",
                      abort=True)
    erase(person.id)
    click.echo(f"Erased person #{person.id[:8]}: name, e-mail, password, sessions and API tokens "
               "removed; the event log is unchanged.")


@people_cli.command("add")
@click.argument("email")
@click.option("--name", required=True, help="Their name, as the other members will see it.")
@click.option("--base-url", help="Where people reach Samverkan, for the link "
              "(default: SAMVERKAN_BASE_URL, else http://127.0.0.1:5000).")
@click.option("--id", "person_id", help="Give them this id: the id an imported plan's history "
              "knows them by (`samverkan import` lists them), so they get their place back.")
@with_appcontext
def add_person(email: str, name: str, base_url: str | None, person_id: str | None) -> None:
    """Add a person and print a one-time link for them to choose a password (14 days)."""
    from sqlalchemy.exc import IntegrityError

    link_base = _link_base(base_url)
    email, name = _checked_email(email), _checked_name(name)
    people = system().people
    if person_id is not None:
        person_id = _checked_id(person_id)
    if people.by_email(email) is not None:
        raise click.ClickException(f"The e-mail address {email} is in use already.")
    try:
        person_id = people.add(name, email, person_id)
    except IntegrityError:  # added by someone else just now
        raise click.ClickException(f"The e-mail address {email} is in use already.") from None
    click.echo(f"Added {name} <{email.lower()}> (#{person_id[:8]}).")
    _print_link(person_id, link_base)


@people_cli.command("link")
@click.argument("email_or_id")
@click.option("--base-url", help="Where people reach Samverkan, for the link "
              "(default: SAMVERKAN_BASE_URL, else http://127.0.0.1:5000).")
@with_appcontext
def link_for_person(email_or_id: str, base_url: str | None) -> None:
    """Print a new one-time link for a person to choose a (new) password; older links stop working."""
    link_base = _link_base(base_url)
    person = _find_person(email_or_id.strip())
    if person.erased:
        raise click.ClickException(f"Person #{person.id[:8]} is erased.")
    _print_link(person.id, link_base)


def _print_link(person_id: str, link_base: str) -> None:
    from adapters.invitations import VALID_DAYS

    token = system().password_links.issue(person_id)
    click.echo(f"Send them this link to choose a password (it works once, for {VALID_DAYS} days):")
    click.echo(f"  {link_base}/set-password/{token}")


def _link_base(option: str | None) -> str:
    from adapters.settings import base_url

    try:
        return base_url(option) if option else system().settings.base_url
    except ValueError as error:
        raise click.BadParameter(str(error), param_hint="--base-url") from None


def _checked_email(email: str) -> str:
    from marshmallow import ValidationError, validate

    email = email.strip()
    try:
        validate.Email()(email)
        validate.Length(max=320)(email)
    except ValidationError:
        raise click.BadParameter(f"{email!r} is not an e-mail address.", param_hint="EMAIL") from None
    return email


def _checked_id(person_id: str) -> str:
    from uuid import UUID

    try:
        checked = str(UUID(person_id.strip()))
    except ValueError:
        raise click.BadParameter(f"{person_id!r} is not a person id (a UUID).",
                                 param_hint="--id") from None
    if system().people.get(checked) is not None:
        raise click.ClickException(f"The id {checked} is someone's already.")
    return checked


def _checked_name(name: str) -> str:
    from web.forms_members import MAX_NAME
    from web.text_input import unfit_text

    name = name.strip()
    if not 0 < len(name) <= MAX_NAME or unfit_text(name):
        raise click.BadParameter(f"Give a name of 1 to {MAX_NAME} printable characters.",
                                 param_hint="--name")
    return name


def _find_person(email_or_id: str) -> Person:
    people = system().people
    if "@" in email_or_id:
        found = people.by_email(email_or_id)
    else:
        found = people.get(email_or_id)
        if found is None and len(email_or_id) >= 8:
            matches = [p for p in people.all() if p.id.startswith(email_or_id.lower())]
            if len(matches) > 1:
                raise click.ClickException(f"More than one person's id starts with {email_or_id}.")
            found = matches[0] if matches else None
    if found is None:
        raise click.ClickException(f"No person has the e-mail address or id {email_or_id}.")
    return found
