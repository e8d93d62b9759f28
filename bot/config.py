"""Settings, read from the environment (prefix ``SPOC_``) and ``.env``.

Nothing here runs at import time: callers build ``Settings()`` when they start, so tests can
give each app its own database and directories.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

_ROOT = Path(__file__).resolve().parent.parent


def _shipped(name: str) -> Path:
    """The shipped content directory: beside the package in a checkout, else the cwd's."""
    here = _ROOT / name
    return here if here.is_dir() else Path(name)


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="SPOC_", env_file=".env", env_file_encoding="utf-8", extra="ignore"
    )

    database_url: str = "sqlite+aiosqlite:///./spoc.db"
    database_schema: str | None = None
    kb_dir: Path = Field(default_factory=lambda: _shipped("knowledge_base"))
    catalog_dir: Path = Field(default_factory=lambda: _shipped("catalog"))
    default_locale: Literal["sv", "en"] = "sv"
    environment: Literal["development", "production"] = "development"

    organisation_name: str = "Exempelby kommun"
    service_desk_phone: str = "0123-45 67 00"
    # None: the desk's opening hours (desk_open_hours) described in the reader's language
    service_desk_hours: str | None = None
    # Where questions that are not about IT go (a citizen asking about the library).
    organisation_phone: str = "0123-45 60 00"
    public_base_url: str = "http://127.0.0.1:8000"
    # Signs the approve/deny links in approval e-mails; unset, a random one per start.
    approval_secret: SecretStr | None = None
    approval_link_hours: int = 72
    # A request nobody has decided on: one reminder to the approver after this many hours,
    # and after that many the approval expires and the service desk follows up (0 = never).
    approval_reminder_hours: int = Field(default=24, ge=0)
    approval_expiry_hours: int = Field(default=120, ge=0)

    max_message_chars: int = 2000
    max_request_bytes: int = 32_768
    session_ttl_minutes: int = 60
    # Stated in the web chat's privacy notice (/integritet): how long transcripts are kept.
    chat_retention_days: int = 90
    allowed_origins: list[str] = Field(default_factory=list)
    rate_limit_per_session: int = 30
    rate_limit_per_ip: int = 120

    slack_bot_token: str | None = None
    slack_signing_secret: str | None = None
    slack_api_url: str = "https://slack.com/api/"
    # An app-level token (xapp-…) switches Slack to Socket Mode: no public URL needed.
    slack_app_token: str | None = None
    telegram_bot_token: str | None = None
    telegram_secret_token: str | None = None
    telegram_api_url: str = "https://api.telegram.org/bot"
    # Development: fetch updates by long polling instead of receiving the webhook.
    telegram_polling: bool = False

    # Reverse proxies whose X-Forwarded-For / -Proto spoc believes (comma-separated IPs or
    # networks, "*" for any). Behind a proxy on another host, list it: otherwise every
    # citizen shares the proxy's address and its per-IP rate limit.
    forwarded_allow_ips: str = "127.0.0.1"
    # The ITSM tool's token for POST /api/tickets/{number}/state (ticket updates that the
    # person hears about); the endpoint is off while unset.
    itsm_api_token: SecretStr | None = None

    # Directory of staff accounts for password reset and unlock: spoc's own table
    # ("builtin") or LDAP / Active Directory ("ldap", settings below).
    directory: Literal["builtin", "ldap"] = "builtin"
    ldap_url: str = "ldap://127.0.0.1:389"
    ldap_bind_dn: str | None = None
    ldap_bind_password: SecretStr | None = None
    ldap_base_dn: str = ""
    # "openldap": RFC 3062 password change, lockout cleared by deleting its attribute;
    # "ad": unicodePwd over LDAPS, lockout cleared by setting lockoutTime to 0.
    ldap_flavour: Literal["openldap", "ad"] = "openldap"
    ldap_timeout_seconds: float = 5.0
    ldap_attr_username: str = "uid"
    ldap_attr_display_name: str = "displayName"
    ldap_attr_email: str = "mail"
    ldap_attr_private_email: str = "otherMailbox"
    ldap_attr_mobile: str = "mobile"
    ldap_attr_manager: str = "manager"
    ldap_attr_lockout: str = "pwdAccountLockedTime"

    # Self-service password reset and unlock.
    password_min_length: int = 12
    reset_code_minutes: int = 10
    reset_link_minutes: int = 15

    # Outgoing mail; without a host, mail waits in the development outbox (/dev/outbox).
    smtp_host: str | None = None
    smtp_port: int = 587
    smtp_security: Literal["starttls", "tls", "none"] = "starttls"
    smtp_user: str | None = None
    smtp_password: SecretStr | None = None
    smtp_sender: str = "servicedesk@exempelby.se"
    # Text messages through an HTTP gateway (POST JSON {"to", "message"}); off when unset.
    sms_gateway_url: str | None = None
    sms_gateway_token: SecretStr | None = None

    log_level: str = "INFO"

    # Live agent takeover (bot/agents/). When agents answer chats: days and hours in the
    # desk's time zone; Swedish public holidays are closed unless desk_holidays_open.
    desk_open_hours: str = "mon-fri 08:00-17:00"
    desk_timezone: str = "Europe/Stockholm"
    desk_holidays_open: bool = False
    # The agent group an escalation goes to when its service names none.
    agent_default_group: str = "Servicedesk"
    agent_session_hours: int = 10
    agent_max_failed_logins: int = 5
    agent_lockout_minutes: int = 15

    @property
    def is_production(self) -> bool:
        return self.environment == "production"

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")
