"""A real OpenLDAP ``slapd`` for one test: a temporary slapd.conf, a small demo tree loaded
with ``slapadd``, the ppolicy overlay (so a locked account really cannot bind), listening on
an ephemeral loopback port. Needs Debian's ``slapd`` package; ``scripts/test`` installs it."""

from __future__ import annotations

import contextlib
import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from ldap3 import BASE, Connection, Server

BASE_DN = "dc=exempelby,dc=se"
ADMIN_DN = f"cn=admin,{BASE_DN}"
ADMIN_PASSWORD = "slapd-admin-secret"
SERVICE_DN = f"cn=spoc,ou=services,{BASE_DN}"
SERVICE_PASSWORD = "spoc-service-secret"
# Berit's account is locked by the directory (ppolicy); this is her old, still valid password.
BERIT_PASSWORD = "Gammalt-men-giltigt-9"
MODULES = Path("/usr/lib/ldap")
SCHEMA = Path("/etc/ldap/schema")
START_TIMEOUT = 15.0


def _person(
    uid: str, name: str, *, private: str | None, mobile: str | None, extra: str = ""
) -> str:
    given, family = name.split(" ", 1)
    lines = [
        f"dn: uid={uid},ou=people,{BASE_DN}",
        "objectClass: inetOrgPerson",
        "objectClass: extensibleObject",
        f"uid: {uid}",
        f"cn: {name}",
        f"sn: {family}",
        f"givenName: {given}",
        f"displayName: {name}",
        f"mail: {uid}@exempelby.se",
    ]
    if private:
        lines.append(f"otherMailbox: {private}")
    if mobile:
        lines.append(f"mobile: {mobile}")
    return "\n".join(lines) + ("\n" + extra if extra else "") + "\n"


def demo_tree() -> str:
    manager = f"manager: uid=karin.karlsson,ou=people,{BASE_DN}"
    entries = [
        f"dn: {BASE_DN}\nobjectClass: dcObject\nobjectClass: organization\n"
        "o: Exempelby kommun\ndc: exempelby\n",
        f"dn: ou=people,{BASE_DN}\nobjectClass: organizationalUnit\nou: people\n",
        f"dn: ou=services,{BASE_DN}\nobjectClass: organizationalUnit\nou: services\n",
        f"dn: ou=policies,{BASE_DN}\nobjectClass: organizationalUnit\nou: policies\n",
        f"dn: cn=default,ou=policies,{BASE_DN}\nobjectClass: applicationProcess\n"
        "objectClass: pwdPolicy\ncn: default\npwdAttribute: userPassword\n"
        "pwdLockout: TRUE\npwdMaxFailure: 5\n",
        f"dn: {SERVICE_DN}\nobjectClass: applicationProcess\nobjectClass: simpleSecurityObject\n"
        f"cn: spoc\nuserPassword: {SERVICE_PASSWORD}\n",
        _person(
            "karin.karlsson", "Karin Karlsson", private="karin.privat@example.com", mobile=None
        ),
        _person(
            "anna.andersson",
            "Anna Andersson",
            private="anna.privat@example.com",
            mobile="+46701000002",
            extra=f"{manager}\nuserPassword: Annas-gamla-losen-1",
        ),
        _person(
            "berit.berg",
            "Berit Berg",
            private="berit.privat@example.com",
            mobile=None,
            extra=f"{manager}\nuserPassword: {BERIT_PASSWORD}\n"
            "pwdAccountLockedTime: 000001010000Z",
        ),
        _person("david.dahl", "David Dahl", private=None, mobile="+46701000004", extra=manager),
    ]
    return "\n".join(entries)


def config(directory: Path) -> str:
    schemas = "\n".join(
        f"include {SCHEMA / name}.schema" for name in ("core", "cosine", "inetorgperson", "nis")
    )
    return f"""{schemas}
modulepath {MODULES}
moduleload back_mdb
moduleload ppolicy
pidfile {directory / "slapd.pid"}
argsfile {directory / "slapd.args"}

database mdb
maxsize 16777216
suffix "{BASE_DN}"
rootdn "{ADMIN_DN}"
rootpw {ADMIN_PASSWORD}
directory {directory / "data"}
overlay ppolicy
ppolicy_default "cn=default,ou=policies,{BASE_DN}"

access to attrs=userPassword
  by dn.exact="{SERVICE_DN}" write
  by self write
  by anonymous auth
  by * none
access to *
  by dn.exact="{SERVICE_DN}" manage
  by self read
  by * none
"""


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class Slapd:
    url: str
    process: subprocess.Popen[bytes]

    def admin(self) -> Connection:
        return Connection(Server(self.url), ADMIN_DN, ADMIN_PASSWORD, auto_bind=True)

    def can_bind(self, uid: str, password: str) -> bool:
        connection = Connection(Server(self.url), f"uid={uid},ou=people,{BASE_DN}", password)
        try:
            return bool(connection.bind())
        finally:
            connection.unbind()

    def attribute(self, uid: str, name: str) -> list[str]:
        connection = self.admin()
        try:
            connection.search(
                f"uid={uid},ou=people,{BASE_DN}", "(objectClass=*)", BASE, attributes=[name]
            )
            values = connection.response[0]["attributes"].get(name, [])
            return [str(value) for value in (values if isinstance(values, list) else [values])]
        finally:
            connection.unbind()


def _binary(name: str) -> str:
    found = shutil.which(name) or shutil.which(name, path="/usr/sbin:/usr/bin")
    if found is None:
        raise RuntimeError(f"{name} is missing: install Debian's slapd (scripts/test does)")
    return found


@contextlib.contextmanager
def running_slapd(directory: Path) -> Iterator[Slapd]:
    slapd, slapadd = _binary("slapd"), _binary("slapadd")
    (directory / "data").mkdir(parents=True)
    conf = directory / "slapd.conf"
    conf.write_text(config(directory), encoding="utf-8")
    ldif = directory / "tree.ldif"
    ldif.write_text(demo_tree(), encoding="utf-8")
    subprocess.run(  # noqa: S603
        [slapadd, "-f", str(conf), "-l", str(ldif)], check=True, capture_output=True
    )
    for _ in range(5):  # another process may take the probed port first: try a new one
        url = f"ldap://127.0.0.1:{_free_port()}"
        process = subprocess.Popen(  # noqa: S603
            [slapd, "-d", "0", "-h", f"{url}/", "-f", str(conf)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        if _answers(url, process):
            break
        process.kill()
        process.wait()
    else:
        raise RuntimeError("slapd did not start")
    try:
        yield Slapd(url, process)
    finally:
        process.terminate()
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        if process.stderr is not None:
            process.stderr.close()


def _answers(url: str, process: subprocess.Popen[bytes]) -> bool:
    """Whether slapd listens at ``url`` before the timeout (a plain TCP connect, so that no
    half-open LDAP client socket is left behind while it starts)."""
    host, port = url.removeprefix("ldap://").split(":")
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if process.poll() is not None:
            return False
        try:
            with socket.create_connection((host, int(port)), timeout=1):
                return True
        except OSError:
            time.sleep(0.05)
    return False
