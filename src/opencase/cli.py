"""The `opencase` command: serve, keys, users, db, export, import, webhooks, workflows, agents,
integrations, outbox, worker."""

from __future__ import annotations

import argparse
import asyncio
import atexit
import contextlib
import json
import os
import shutil
import signal
import sys
import tempfile
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

import msgspec

from opencase.account import service as accounts
from opencase.account.passwords import check_strength
from opencase.core import citus, migrate
from opencase.core.config import ConfigError, Settings, load_settings
from opencase.core.db import Database, connect
from opencase.core.errors import DomainError, InvalidInput
from opencase.delivery import worker_from
from opencase.identity import service as identity
from opencase.identity.models import DEFAULT_SCOPES, User
from opencase.integration import settings as integrations
from opencase.outbox import service as outbox
from opencase.transfer import export as transfer_export
from opencase.transfer import load as transfer_load
from opencase.transfer.progress import reporter
from opencase.webhook import service as webhooks

T = TypeVar("T")


def _with_db(settings: Settings, action: Callable[[Database], Awaitable[T]]) -> T:
    async def run() -> T:
        await migrate.upgrade(settings)
        db = await connect(settings)
        try:
            return await action(db)
        finally:
            await db.close()

    return asyncio.run(run())


def _stopped(signum: int, frame: object) -> None:
    raise SystemExit(0)


def _serve(args: argparse.Namespace) -> int:
    settings = load_settings(
        host=args.host, port=args.port, workers=args.workers, access_log=args.access_log
    )
    if settings.engine == "sqlite" and settings.workers > 1:
        print(
            "opencase: SQLite serves from one process; --workers must be 1 "
            "(use PostgreSQL via OPENCASE_DATABASE_URL for several workers)",
            file=sys.stderr,
        )
        return 2
    import uvicorn

    from opencase.ops.logs import log_config
    from opencase.ops.metrics import MULTIPROCESS_ENV

    # Migrate once here so that workers start on a ready schema (they check again, under a lock).
    asyncio.run(migrate.upgrade(settings))
    # Workers re-read the settings from the environment.
    os.environ["OPENCASE_DATABASE_URL"] = settings.database_url
    os.environ["OPENCASE_ACCESS_LOG"] = "1" if settings.access_log else "0"
    if settings.workers > 1 and settings.metrics and not os.environ.get(MULTIPROCESS_ENV):
        # Each worker writes its samples here; a scrape of any one answers for all.
        os.environ[MULTIPROCESS_ENV] = tempfile.mkdtemp(prefix="opencase-metrics-")
        atexit.register(shutil.rmtree, os.environ[MULTIPROCESS_ENV], ignore_errors=True)
    # Once it has drained, uvicorn re-raises the signal that stopped it, so the process would
    # die of SIGTERM; a stop that was asked for and finished its work exits 0 instead.
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, _stopped)
    uvicorn.run(
        "opencase.app:create_app",
        factory=True,
        host=settings.host,
        port=settings.port,
        workers=settings.workers,
        loop="uvloop",
        http="httptools",
        lifespan="on",
        access_log=False,  # opencase writes its own (opencase.access), with the request id
        log_config=log_config(settings.log_format),
        log_level="info",
        server_header=False,
        timeout_graceful_shutdown=settings.shutdown_timeout_seconds,
    )
    return 0


def _keys_create(args: argparse.Namespace) -> int:
    settings = load_settings()
    scopes = identity.parse_scopes(args.scopes)
    keys = _with_db(
        settings,
        lambda db: identity.create_keys(
            db=db, org_name=args.org, user_email=args.user, scopes=scopes
        ),
    )
    if args.json:
        print(
            json.dumps(
                {
                    "api_key": keys.api_key,
                    "app_key": keys.app_key,
                    "org_id": keys.org_id,
                    "org": keys.org_name,
                    "user_id": keys.user_id,
                    "user": keys.user_email,
                    "api_key_id": keys.api_key_id,
                    "app_key_id": keys.app_key_id,
                    "scopes": keys.scopes,
                }
            )
        )
    else:
        print(f"organisation  {keys.org_name} ({keys.org_id})")
        print(f"user          {keys.user_email} ({keys.user_id})")
        print(f"scopes        {', '.join(keys.scopes)}")
        print(f"DD_API_KEY={keys.api_key}")
        print(f"DD_APP_KEY={keys.app_key}")
        print("Keep these: they are shown only once.", file=sys.stderr)
    return 0


def _keys_list(args: argparse.Namespace) -> int:
    keys = _with_db(load_settings(), lambda db: identity.list_keys(db=db))
    if args.json:
        print(
            json.dumps(
                [
                    {
                        "kind": k.kind,
                        "id": k.id,
                        "org": k.org_name,
                        "user": k.user_email,
                        "prefix": k.prefix,
                        "scopes": k.scopes,
                        "created_at": k.created_at,
                        "revoked_at": k.revoked_at,
                    }
                    for k in keys
                ]
            )
        )
        return 0
    for k in keys:
        state = f"revoked {k.revoked_at}" if k.revoked_at else "active"
        who = k.user_email or "-"
        print(
            f"{k.kind:3}  {k.id}  {k.prefix}…  {k.org_name}  {who}  "
            f"{','.join(k.scopes) or '-'}  {state}"
        )
    return 0


def _keys_revoke(args: argparse.Namespace) -> int:
    _with_db(load_settings(), lambda db: identity.revoke_key(db=db, key_id=args.key_id))
    print(f"revoked {args.key_id}")
    return 0


def _user_json(user: User) -> dict[str, Any]:
    return {
        "id": user.id,
        "email": user.email,
        "name": user.name,
        "handle": user.handle,
        "active": user.active,
    }


def _password_from_stdin() -> str:
    """The password on standard input, without the line break that ends it."""
    password = sys.stdin.readline().rstrip("\r\n")
    problem = check_strength(password)
    if problem:
        raise InvalidInput(problem)
    return password


def _users_create(args: argparse.Namespace) -> int:
    password = _password_from_stdin() if args.password_stdin else None

    async def create(db: Database) -> User:
        user = await identity.create_user(
            db=db, org_name=args.org, email=args.email, name=args.name, handle=args.handle
        )
        if password is not None:
            await accounts.set_password(
                db=db, org_name=args.org, email=args.email, password=password
            )
        return user

    user = _with_db(load_settings(), create)
    if args.json:
        print(json.dumps({**_user_json(user), "org": args.org}))
    else:
        print(f"user {user.email} ({user.id}) in organisation {args.org}")
    return 0


def _users_set_password(args: argparse.Namespace) -> int:
    password = _password_from_stdin()
    _with_db(
        load_settings(),
        lambda db: accounts.set_password(
            db=db, org_name=args.org, email=args.email, password=password
        ),
    )
    print(f"password set for {args.email} in organisation {args.org}")
    return 0


def _users_list(args: argparse.Namespace) -> int:
    users = _with_db(load_settings(), lambda db: identity.list_users(db=db, org_name=args.org))
    if args.json:
        print(json.dumps([_user_json(u) for u in users]))
        return 0
    for u in users:
        state = "active" if u.active else "inactive"
        print(f"{u.id}  {u.email}  {u.name}  {u.handle}  {state}")
    return 0


def _db_upgrade(args: argparse.Namespace) -> int:
    settings = load_settings()
    asyncio.run(migrate.upgrade(settings))
    print(f"schema is at the newest revision ({settings.engine})")
    return 0


def _db_citus(args: argparse.Namespace) -> int:
    print("\n".join(citus.statements()))
    return 0


def _export(args: argparse.Namespace) -> int:
    return _with_db(
        load_settings(),
        lambda db: transfer_export.export_command(
            db=db,
            org_name=args.org,
            query=args.query,
            output=None if args.output == "-" else args.output,
            progress=reporter(sys.stderr),
        ),
    )


def _import(args: argparse.Namespace) -> int:
    source, size = transfer_load.open_input(args.file)
    with source:
        return _with_db(
            load_settings(),
            lambda db: transfer_load.import_file(
                db=db,
                org_name=args.org,
                source=source,
                size=size,
                skip_invalid=args.skip_invalid,
                progress=reporter(sys.stderr),
            ),
        )


def _secret_line(args: argparse.Namespace, flag: str, what: str) -> str | None:
    """A secret from standard input's first line, never from an argument (which `ps` and
    shell history show); None (after saying so) when the flag is missing."""
    if not getattr(args, flag):
        option = "--" + flag.replace("_", "-")
        print(f"opencase: give the {what} on standard input ({option})", file=sys.stderr)
        return None
    return sys.stdin.readline().rstrip("\r\n")


def _endpoints_create(args: argparse.Namespace) -> int:
    secret = _secret_line(args, "secret_stdin", "signing secret")
    if secret is None:
        return 2
    hook = _with_db(
        load_settings(),
        lambda db: webhooks.create_webhook(
            db=db, org_name=args.org, name=args.name, url=args.url, secret=secret, kind=args.kind
        ),
    )
    print(f"{args.kind} {hook.name} ({hook.id}) -> {hook.url}")
    return 0


def _endpoints_list(args: argparse.Namespace) -> int:
    hooks = _with_db(
        load_settings(),
        lambda db: webhooks.list_webhooks(db=db, org_name=args.org, kind=args.kind),
    )
    if args.json:
        print(json.dumps([{"id": h.id, "name": h.name, "url": h.url} for h in hooks]))
        return 0
    for h in hooks:
        print(f"{h.id}  {h.name}  {h.url}")
    return 0


def _endpoints_delete(args: argparse.Namespace) -> int:
    _with_db(
        load_settings(),
        lambda db: webhooks.delete_webhook(
            db=db, org_name=args.org, name=args.name, kind=args.kind
        ),
    )
    print(f"{args.kind} {args.name} deleted")
    return 0


def _integrations_set(args: argparse.Namespace) -> int:
    token = _secret_line(args, "token_stdin", "API token") if args.token_stdin else ""
    if token is None:
        return 2
    _with_db(
        load_settings(),
        lambda db: integrations.set_integration(
            db=db, org_name=args.org, kind=args.kind, url=args.url, username=args.user,
            token=token, instance=args.instance,
        ),
    )  # fmt: skip
    instance = f" ({args.instance})" if args.instance else ""
    print(f"{args.kind}{instance} -> {args.url}")
    return 0


def _integrations_list(args: argparse.Namespace) -> int:
    found = _with_db(
        load_settings(), lambda db: integrations.list_integrations(db=db, org_name=args.org)
    )
    if args.json:
        print(json.dumps([msgspec.to_builtins(i) for i in found]))
        return 0
    for i in found:
        user = f"  user {i.username}" if i.username else ""
        print(f"{i.kind}  {i.instance or '(default)'}  {i.url}{user}")
    return 0


def _integrations_delete(args: argparse.Namespace) -> int:
    _with_db(
        load_settings(),
        lambda db: integrations.delete_integration(
            db=db, org_name=args.org, kind=args.kind, instance=args.instance
        ),
    )
    print(f"{args.kind} integration deleted")
    return 0


def _outbox_list(args: argparse.Namespace) -> int:
    found = _with_db(
        load_settings(),
        lambda db: outbox.list_deliveries(
            db=db, org_name=args.org, state=args.state, case_ref=args.case, limit=args.limit
        ),
    )
    if args.json:
        print(json.dumps([msgspec.to_builtins(d) for d in found]))
        return 0
    for d in found:
        error = f"  {d.last_error}" if d.last_error else ""
        print(f"{d.id}  {d.state}  {d.attempts} tries  {d.event} -> {d.target}{error}")
    return 0


def _outbox_retry(args: argparse.Namespace) -> int:
    _with_db(
        load_settings(),
        lambda db: outbox.retry_delivery(db=db, org_name=args.org, delivery_id=args.delivery_id),
    )
    print(f"delivery {args.delivery_id} is pending again")
    return 0


def _worker(args: argparse.Namespace) -> int:
    settings = load_settings()

    async def run(db: Database) -> None:
        worker = worker_from(db, settings)
        try:
            await worker.run()
        finally:
            await worker.close()

    with contextlib.suppress(KeyboardInterrupt):
        _with_db(settings, run)
    return 0


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="opencase", description=__doc__)
    sub = p.add_subparsers(dest="command", required=True)

    serve = sub.add_parser("serve", help="run the API server")
    serve.add_argument("--host", help="address to bind (OPENCASE_HOST, default 127.0.0.1)")
    serve.add_argument("--port", type=int, help="port (OPENCASE_PORT, default 8080)")
    serve.add_argument("--workers", type=int, help="processes (OPENCASE_WORKERS, default 1)")
    serve.add_argument(
        "--access-log",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="one JSON line per request (default on; OPENCASE_ACCESS_LOG)",
    )
    serve.set_defaults(func=_serve)

    keys = sub.add_parser("keys", help="manage API and application keys")
    ksub = keys.add_subparsers(dest="keys_command", required=True)
    create = ksub.add_parser("create", help="create a key pair (and the org and user if new)")
    create.add_argument("--org", required=True, help="organisation name")
    create.add_argument("--user", required=True, help="user email")
    create.add_argument(
        "--scopes",
        default=",".join(DEFAULT_SCOPES),
        help=f"comma-separated scopes (default {','.join(DEFAULT_SCOPES)})",
    )
    create.add_argument("--json", action="store_true", help="print one JSON object")
    create.set_defaults(func=_keys_create)
    lst = ksub.add_parser("list", help="list keys (never their secrets)")
    lst.add_argument("--json", action="store_true")
    lst.set_defaults(func=_keys_list)
    revoke = ksub.add_parser("revoke", help="revoke a key by its id")
    revoke.add_argument("key_id", help="id shown by `opencase keys list`")
    revoke.set_defaults(func=_keys_revoke)

    users = sub.add_parser("users", help="manage the users of an organisation")
    usub = users.add_subparsers(dest="users_command", required=True)
    ucreate = usub.add_parser("create", help="add a user (without keys) to an organisation")
    ucreate.add_argument("--org", required=True, help="name of an existing organisation")
    ucreate.add_argument("--email", required=True, help="user email, unique in the organisation")
    ucreate.add_argument("--name", help="display name (default: the email's local part)")
    ucreate.add_argument("--handle", help="handle (default: the email)")
    ucreate.add_argument("--json", action="store_true", help="print one JSON object")
    ucreate.add_argument(
        "--password-stdin",
        action="store_true",
        help="read a sign-in password (12 characters or more) from standard input",
    )
    ucreate.set_defaults(func=_users_create)
    upass = usub.add_parser("set-password", help="set a user's sign-in password (web UI)")
    upass.add_argument("--org", required=True, help="name of an existing organisation")
    upass.add_argument("--email", required=True, help="the user's email")
    upass.add_argument(
        "--password-stdin", action="store_true", required=True, help="read it from standard input"
    )
    upass.set_defaults(func=_users_set_password)
    ulist = usub.add_parser("list", help="list the users of an organisation")
    ulist.add_argument("--org", required=True, help="organisation name")
    ulist.add_argument("--json", action="store_true")
    ulist.set_defaults(func=_users_list)

    dbp = sub.add_parser("db", help="database maintenance")
    dsub = dbp.add_subparsers(dest="db_command", required=True)
    up = dsub.add_parser("upgrade", help="create or migrate the schema to the newest revision")
    up.set_defaults(func=_db_upgrade)
    citus = dsub.add_parser("citus", help="print the SQL that distributes the tables on Citus")
    citus.set_defaults(func=_db_citus)

    exp = sub.add_parser("export", help="write an organisation's data as JSON Lines")
    exp.add_argument("--org", required=True, help="name of an existing organisation")
    exp.add_argument("--query", default="", help="export only the cases this query matches")
    exp.add_argument(
        "--output", "-o", help="file to write; - or none: standard output (the default)"
    )
    exp.set_defaults(func=_export)
    imp = sub.add_parser("import", help="load an export (JSON Lines) into an organisation")
    imp.add_argument("file", help="the export to read; - reads standard input")
    imp.add_argument("--org", required=True, help="organisation name (created when missing)")
    imp.add_argument(
        "--skip-invalid", action="store_true", help="skip bad records instead of stopping"
    )
    imp.set_defaults(func=_import)

    # Registered endpoints, one command per kind, each naming its endpoints its own way.
    for command, kind, flag, what in (
        ("webhooks", "webhook", "--name", "notification rules' HTTP recipients"),
        ("workflows", "workflow", "--handle", "automation rules' EXECUTE_WORKFLOW"),
        ("agents", "agent", "--agent-id", "automation rules' ASSIGN_AGENT"),
    ):
        hooks = sub.add_parser(command, help=f"signed HTTP endpoints for {what}")
        hsub = hooks.add_subparsers(dest=f"{command}_command", required=True)
        hcreate = hsub.add_parser("create", help=f"register a {kind} (secret on standard input)")
        hcreate.add_argument("--org", required=True, help="name of an existing organisation")
        hcreate.add_argument(flag, dest="name", required=True, help=f"unique among {command}")
        hcreate.add_argument("--url", required=True, help="where deliveries are POSTed")
        hcreate.add_argument(
            "--secret-stdin", action="store_true", help="read the signing secret's line from stdin"
        )
        hcreate.set_defaults(func=_endpoints_create, kind=kind)
        hlist = hsub.add_parser("list", help=f"list {command} (never their secrets)")
        hlist.add_argument("--org", required=True)
        hlist.add_argument("--json", action="store_true")
        hlist.set_defaults(func=_endpoints_list, kind=kind)
        hdelete = hsub.add_parser("delete", help=f"remove a {kind} by {flag[2:]}")
        hdelete.add_argument("--org", required=True)
        hdelete.add_argument("name")
        hdelete.set_defaults(func=_endpoints_delete, kind=kind)

    inte = sub.add_parser("integrations", help="Jira, ServiceNow, Slack, PagerDuty, Teams")
    isub = inte.add_subparsers(dest="integrations_command", required=True)
    iset = isub.add_parser("set", help="set an organisation's base URL and credentials")
    iset.add_argument("kind", choices=integrations.KINDS)
    iset.add_argument("--org", required=True)
    iset.add_argument("--url", required=True, help="base URL (Teams: the incoming webhook)")
    iset.add_argument("--user", help="user for basic authentication (Jira, ServiceNow)")
    iset.add_argument(
        "--token-stdin", action="store_true", help="read the API token's line from stdin"
    )
    iset.add_argument(
        "--instance",
        default="",
        help="ServiceNow instance name; Jira account id, PagerDuty service, Teams channel",
    )
    iset.set_defaults(func=_integrations_set)
    ilist = isub.add_parser("list", help="list integrations (never their tokens)")
    ilist.add_argument("--org", required=True)
    ilist.add_argument("--json", action="store_true")
    ilist.set_defaults(func=_integrations_list)
    idelete = isub.add_parser("delete", help="remove an integration")
    idelete.add_argument("kind", choices=integrations.KINDS)
    idelete.add_argument("--org", required=True)
    idelete.add_argument("--instance", default="")
    idelete.set_defaults(func=_integrations_delete)

    box = sub.add_parser("outbox", help="deliveries to outside systems")
    bsub = box.add_subparsers(dest="outbox_command", required=True)
    blist = bsub.add_parser("list", help="deliveries, oldest first")
    blist.add_argument("--org", required=True)
    blist.add_argument("--state", choices=["pending", "delivered", "dead", "suppressed"])
    blist.add_argument("--case", help="only the deliveries of this case (UUID or key)")
    blist.add_argument("--limit", type=int, default=100)
    blist.add_argument("--json", action="store_true")
    blist.set_defaults(func=_outbox_list)
    bretry = bsub.add_parser("retry", help="make a dead delivery pending again")
    bretry.add_argument("--org", required=True)
    bretry.add_argument("delivery_id")
    bretry.set_defaults(func=_outbox_retry)

    work = sub.add_parser("worker", help="deliver the outbox (without serving the API)")
    work.set_defaults(func=_worker)
    return p


def main(argv: list[str] | None = None) -> int:
    args: Any = _parser().parse_args(argv)
    try:
        return int(args.func(args))
    except (ConfigError, DomainError) as exc:
        print(f"opencase: {exc}", file=sys.stderr)
        return 2
