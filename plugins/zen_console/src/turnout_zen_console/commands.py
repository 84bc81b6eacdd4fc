"""``turnout login``, ``logout``, ``whoami`` and ``orgs``.

Output is for people; no command ever prints a token. ``login`` runs to completion without a
terminal (it prints the URL and code, and opens a browser only when stdin and stdout are
terminals and ``--no-browser`` is not given); Ctrl-C while waiting leaves nothing behind.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
import webbrowser
from typing import TYPE_CHECKING

from turnout_zen_console.accounts import Account, AccountStore, Org
from turnout_zen_console.client import ConsoleClient
from turnout_zen_console.device import request_device_code, wait_for_approval
from turnout_zen_console.errors import ConsoleError, ConsoleHTTPError, LoginRequiredError
from turnout_zen_console.remote_config import forget_cached_configs
from turnout_zen_console.server import console_server
from turnout_zen_console.tokens import TokenSource

if TYPE_CHECKING:
    from turnout.plugin_api import CLI

__all__ = ["register_commands"]


def register_commands(cli: CLI) -> None:
    """Add the console commands to ``cli``."""
    login = cli.add_command("login", help="log in to the opencode console (device login)", handler=login_command)
    login.add_argument(
        "--server",
        metavar="URL",
        help="console URL (default: $TURNOUT_CONSOLE_URL or the public console)",
    )
    login.add_argument(
        "--no-browser",
        action="store_true",
        help="only print the URL and code; never open a browser",
    )
    cli.add_command("logout", help="forget the active console account", handler=logout_command)
    whoami = cli.add_command("whoami", help="show the console accounts and the active org", handler=whoami_command)
    whoami.add_argument("--json", action="store_true", help="print JSON (never the token)")
    orgs = cli.add_command("orgs", help="list the active account's orgs, or choose one", handler=orgs_command)
    orgs.add_argument("--use", metavar="ORG", help="make this org (id or name) the active one")
    orgs.add_argument("--json", action="store_true", help="print JSON")


def login_command(args: argparse.Namespace) -> int:
    """Run the device login and store the account as the active one."""
    try:
        server = console_server(args.server)
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    store = AccountStore()
    store.accounts()  # a corrupt account file fails now, before the user approves anything
    with ConsoleClient(server) as client:
        code = request_device_code(client)
        print(f"To log in, open {code.verification_url}", flush=True)
        print(f"and confirm the code: {code.user_code}", flush=True)
        if not args.no_browser and sys.stdin.isatty() and sys.stdout.isatty():
            webbrowser.open(code.verification_url)
        print("Waiting for approval (Ctrl-C to cancel)…", flush=True)
        try:
            grant = wait_for_approval(client, code)
        except KeyboardInterrupt:
            print("Login cancelled; nothing was stored.", file=sys.stderr)
            return 130
        token = grant.access_token.get_secret_value()
        user = client.get_user(token)
        orgs = tuple(Org(id=str(org["id"]), name=str(org.get("name") or "")) for org in client.get_orgs(token))
    if not isinstance(user.get("id"), str):
        raise ConsoleHTTPError(f"the console at {server} sent a /api/user body without an id")
    account = Account(
        server=server,
        user_id=user["id"],
        email=user.get("email") if isinstance(user.get("email"), str) else None,
        access_token=grant.access_token,
        refresh_token=grant.refresh_token,
        expires_at=time.time() + grant.expires_in,
        org_id=orgs[0].id if orgs else None,
        orgs=orgs,
    )
    store.add(account)
    print(f"Logged in as {account.label}.")
    print(f"Active org: {_org_label(account)}" if orgs else "This account has no orgs yet.")
    return 0


def logout_command(args: argparse.Namespace) -> int:
    """Forget the active account (and its cached remote configs)."""
    store = AccountStore()
    account = store.active()
    if account is None:
        print("Not logged in.")
        return 0
    store.remove(account.key)
    forget_cached_configs(store.path.parent, account.server, [org.id for org in account.orgs])
    print(f"Logged out of {account.label}.")
    if (now_active := store.active()) is not None:
        print(f"Active account is now {now_active.label}.")
    return 0


def whoami_command(args: argparse.Namespace) -> int:
    """Show the active account and org, and the other stored accounts."""
    store = AccountStore()
    active = store.active()
    if active is None:
        if args.json:
            print("[]")  # no accounts: still JSON for whoever parses it
            print("Not logged in; run `turnout login`.", file=sys.stderr)
        else:
            print("Not logged in; run `turnout login`.")
        return 1
    if args.json:
        accounts = [
            {
                "server": account.server,
                "user_id": account.user_id,
                "email": account.email,
                "active": account.key == active.key,
                "org_id": account.org_id,
                "token_expires_in_s": max(0, int(account.expires_at - time.time())),
            }
            for account in store.accounts()
        ]
        print(json.dumps(accounts, indent=2))
        return 0
    print(f"Logged in as {active.label}")
    print(f"Active org: {_org_label(active)}" if active.org_id else "Active org: none")
    remaining = active.expires_at - time.time()
    state = f"valid for {_duration(remaining)}" if remaining > 0 else "expired (refreshed on next use)"
    print(f"Access token: {state}")
    others = [account for account in store.accounts() if account.key != active.key]
    for account in others:
        print(f"Also stored: {account.label}")
    return 0


def orgs_command(args: argparse.Namespace) -> int:
    """List the active account's orgs (fresh from the console when reachable), or pick one."""
    store = AccountStore()
    account = store.active()
    if account is None:
        print("Not logged in; run `turnout login`.")
        return 1
    try:
        token = TokenSource(store, account.key).token()
        with ConsoleClient(account.server) as client:
            fetched = client.get_orgs(token)
        orgs = tuple(Org(id=str(org["id"]), name=str(org.get("name") or "")) for org in fetched)
        account = (store.get(account.key) or account).model_copy(update={"orgs": orgs})
        store.update(account)
    except LoginRequiredError:
        raise
    except ConsoleError as exc:
        print(f"warning: showing the orgs stored at login ({exc})", file=sys.stderr)
    if args.use is not None:
        chosen = next((org for org in account.orgs if args.use in (org.id, org.name)), None)
        if chosen is None:
            known = ", ".join(f"{org.name} ({org.id})" for org in account.orgs) or "none"
            print(f"error: no org {args.use!r} in {account.label}; known: {known}", file=sys.stderr)
            return 1
        account = account.model_copy(update={"org_id": chosen.id})
        store.update(account)
        print(f"Active org: {_org_label(account)}")
        return 0
    if args.json:
        print(json.dumps([{"id": o.id, "name": o.name, "active": o.id == account.org_id} for o in account.orgs]))
        return 0
    if not account.orgs:
        print(f"{account.label} has no orgs.")
    for org in account.orgs:
        marker = "*" if org.id == account.org_id else " "
        print(f"{marker} {org.name or '(unnamed)'}  {org.id}")
    return 0


def _org_label(account: Account) -> str:
    org = next((org for org in account.orgs if org.id == account.org_id), None)
    if org is None:
        return account.org_id or "none"
    return f"{org.name} ({org.id})" if org.name else org.id


def _duration(seconds: float) -> str:
    minutes = int(seconds // 60)
    if minutes >= 120:
        return f"{minutes // 60} h"
    return f"{minutes} min" if minutes else f"{int(seconds)} s"
