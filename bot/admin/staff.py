"""`python -m bot admin add|list|remove|passwd NAME`: the web admin page's staff accounts.

A password is typed twice (not shown), or generated and shown once (`--generate`), or
read from standard input (`--password-stdin`, for scripts: never as an argument, where
the process list would show it). Only its Argon2id hash reaches the database.
"""

from __future__ import annotations

import getpass
import sys
from datetime import datetime
from typing import TextIO

from bot.admin.accounts import AccountError, Accounts, check_password, generated_password
from bot.config import Config
from bot.store import Store

ACTIONS = ("add", "list", "remove", "passwd")


def run_staff(
    config: Config,
    action: str,
    name: str | None,
    *,
    password_stdin: bool = False,
    generate: bool = False,
) -> int:
    if action != "list" and not name:
        print(f"请写出账号名:python -m bot admin {action} 账号名", file=sys.stderr)
        return 2
    store = Store(config.db_path)
    try:
        return _run(Accounts(store), action, name or "", password_stdin, generate)
    except AccountError as exc:
        print(f"✗ {exc}", file=sys.stderr)
        return 1
    finally:
        store.close()


def _run(accounts: Accounts, action: str, name: str, from_stdin: bool, generate: bool) -> int:
    if action == "list":
        return _list(accounts, sys.stdout)
    if action == "remove":
        accounts.remove(name)
        print(f"✓ 已删除账号 {name}(它的登录也都失效了)")
        return 0
    password = _password(from_stdin, generate)
    if action == "add":
        accounts.add(name, password)
        print(f"✓ 已建立账号 {name}:在 /admin/login 登录")
    else:
        accounts.set_password(name, password)
        print(f"✓ 已改好 {name} 的密码(旧的登录都失效了)")
    if generate:
        print(f"密码(只显示这一次,请记下):{password}")
    return 0


def _list(accounts: Accounts, out: TextIO) -> int:
    rows = accounts.all()
    if not rows:
        out.write("还没有账号。建立一个:python -m bot admin add 账号名\n")
    for account in rows:
        changed = datetime.fromtimestamp(account.changed_at).strftime("%Y-%m-%d %H:%M")
        out.write(f"{account.name}\t密码改于 {changed}\n")
    return 0


def _password(from_stdin: bool, generate: bool) -> str:
    """The new password: generated, the first line of standard input, or typed twice."""
    if generate:
        return generated_password()
    if from_stdin:
        return check_password(sys.stdin.readline().rstrip("\r\n"))
    if not sys.stdin.isatty():
        raise AccountError("没有终端可以输入密码:用 --password-stdin 或 --generate")
    first = check_password(getpass.getpass("新密码:"))
    if getpass.getpass("再输入一次:") != first:
        raise AccountError("两次输入的密码不一样,没有改动")
    return first
