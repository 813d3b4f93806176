"""The chain: accounts, their databases and certificates, clinics, providers and the rules
for publishing free time. `Config` is the root of the model."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import ValidationInfo, field_validator, model_validator

from reconciler.config.model.base import (
    AppointmentTypeName,
    Dates,
    Days,
    Identifier,
    LongText,
    Model,
    Name,
    OpusId,
    PreblockTypeName,
    ProfileText,
    ProviderCode,
    Text50,
    Text100,
    Title,
    WebAddress,
    Window,
    setting,
)
from reconciler.config.model.opus import Opus
from reconciler.config.model.site import Site
from reconciler.config.values import DatabaseUrl, Invalid, Resolvable, SecretRef, local_file
from reconciler.domain.labels import SITE_DOMAIN, site_url_problem, subdomain_problem
from reconciler.domain.secrets import Secret

SUPPORTED_VERSIONS = (1,)
SITE_SUBDOMAIN_MAX = 50  # the booking site's Subdomain.Name; a DNS label could hold 63

CertificateFile = local_file(64 * 1024, (".p12", ".pfx"))
Photo = local_file(2 * 1024 * 1024, (".png", ".jpg", ".jpeg", ".webp"))


class Certificate(Model):
    """A client certificate (PKCS#12) from the welcome e-mail. Keep the file: a reinstall
    needs it again."""

    file: CertificateFile = setting(  # type: ignore[valid-type]
        gui="Hent sertifikat fra fil", doc="The .p12/.pfx file, relative to this YAML file."
    )
    password: SecretRef = setting(
        gui="Passord", doc="The certificate's password, by reference: ${env:NAME} or ${file:path}."
    )


class Database(Model):
    """An Opus database: how to reach it, whether it is active for e-booking, and its
    appointment-book setup. Give either `url` or `server` and `database`."""

    url: DatabaseUrl | None = setting(
        None,
        doc="A full SQLAlchemy URL instead of server and database, e.g. sqlite:///opus.db "
        "(a relative SQLite path is relative to this YAML file); never with a password in it.",
    )
    dialect: Literal["mssql", "postgresql", "mysql"] = setting(
        "mssql", doc="The database server's kind, with server and database: SQL Server for Opus."
    )
    server: Resolvable | None = setting(
        None, gui="Servernavn", doc="The host, or host\\instance for a named SQL Server instance."
    )
    port: int | None = setting(None, doc="TCP port (SQL Server's default is 1433).", ge=1, le=65535)
    database: Resolvable | None = setting(None, gui="Databasenavn", doc="The database's name.")
    user: Resolvable = setting("sa", gui="Brukernavn", doc="SQL Server login; usually sa.")
    password: SecretRef | None = setting(
        None, gui="Passord", doc="The login's password, by reference: ${env:NAME} or ${file:path}."
    )
    driver: Resolvable | None = setting(
        None,
        doc="For mssql an ODBC driver ('ODBC Driver 18 for SQL Server', the default, or "
        "'FreeTDS'); for mysql 'pymysql' (the default) or an ODBC driver ('MariaDB Unicode').",
    )
    options: dict[str, Resolvable] = setting(
        {}, doc="Extra connection options, e.g. TrustServerCertificate: 'yes'."
    )
    connect_timeout: int = setting(15, doc="Seconds to wait for a connection.", ge=1, le=300)
    active: bool = setting(
        True, gui="Databaser › Aktiver", doc="Whether this database is activated for e-booking."
    )
    names: dict[str, str] = setting(
        {},
        doc="Where this database's tables or columns are named differently from "
        "docs/opus-schema.md: {table: name} or {table.column: name}.",
    )
    opus: Opus = setting(Opus, doc="The appointment-book setup held in this database.")

    @model_validator(mode="after")
    def _one_way_to_connect(self) -> Database:
        if self.url is not None and (self.server is not None or self.database is not None):
            raise ValueError("give either url or server and database, not both")
        if self.url is None and (self.server is None or self.database is None):
            raise ValueError("give either url, or both server and database")
        return self


class Consent(Model):
    """The provider's own consent (GDPR) to show their photo and title on the site."""

    photo: bool = setting(
        False, gui="Administrer behandlers samtykke", doc="Consents to the photo being shown."
    )
    title: bool = setting(
        False, gui="Administrer behandlers samtykke", doc="Consents to the title being shown."
    )


class WorkingHours(Model):
    """Working hours (Arbeidstid) as registered in the provider's book."""

    days: list[Days] = setting(doc="Weekdays, e.g. [mon-fri].", min_length=1)
    hours: list[Window] = setting(doc='Windows, e.g. ["08:00-12:00", "12:30-16:00"].', min_length=1)
    recall: bool = setting(
        True,
        gui="Arbeidstid med Recall [R]",
        doc="Registered with Recall; only such hours can publish free time.",
    )


class PublishingRule(Model):
    """When free time is published: Internet preblocks placed on the provider's book over
    these windows, rolling forward day by day."""

    days: list[Days] = setting(doc="Weekdays, e.g. [mon-thu, sat].", min_length=1)
    hours: list[Window] = setting(doc='Windows, e.g. ["08:00-11:30"].', min_length=1)
    horizon_days: int = setting(
        56, doc="How many days ahead, counting from today, time is published.", ge=1, le=366
    )
    preblock_type: PreblockTypeName | None = setting(
        None,
        gui="Legg til preblokkering",
        doc="The Internet preblock type to place; may be left out when the database has one.",
    )
    appointment_types: list[AppointmentTypeName] | None = setting(
        None, doc="Appointment types offered in this time; all e-booking types when left out."
    )
    dates_off: list[Dates] = setting(
        [], doc="Dates with nothing published, e.g. [2026-12-24..2026-12-26, 2027-01-01]."
    )
    valid_from: Dates | None = setting(None, doc="First date the rule applies (a single date).")
    valid_until: Dates | None = setting(None, doc="Last date the rule applies (a single date).")


class Provider(Model):
    """A selected provider (Valgte behandlere): only they can publish. The key is the
    provider's code in Opus; their order in the file is the display order."""

    name: Name | None = setting(None, doc="The provider's name, for readers of the config.")
    title: Title | None = setting(
        None, gui="Tittel", doc="Shown only with the provider's consent.", vendor="Clinician.Title"
    )
    text: ProfileText | None = setting(
        None, gui="Tekst", doc="The profile text.", vendor="Clinician.Info"
    )
    photo: Photo | None = setting(  # type: ignore[valid-type]
        None,
        gui="Bilde",
        doc="The profile photo file; shown only with the provider's consent.",
        vendor="Clinician.ProfileImage",
    )
    consent: Consent = setting(
        Consent, gui="Administrer behandlers samtykke", doc="The provider's consent (GDPR)."
    )
    working_hours: list[WorkingHours] = setting(
        [], gui="Arbeidstid", doc="Declared working hours; publishing is checked against them."
    )
    working_hours_linked: bool = setting(
        False,
        gui="Arbeidstid koblet til behandler",
        doc="An Opus option that breaks the sync of published time; keep it off.",
    )
    publishing: list[PublishingRule] = setting(
        [], gui="Publisere e-tider", doc="When this provider's free time is published."
    )


class ClinicText(Model):
    header: Text100 | None = setting(None, doc="Heading.", vendor="Clinic.ClinicTextHeader")
    body: LongText | None = setting(None, doc="Text.", vendor="Clinic.ClinicTextBody")


class Clinic(Model):
    """A clinic that publishes. Clinics show in the order they appear in the config."""

    opus_id: OpusId = setting(doc="The clinic's id in the Opus database.")
    database: Identifier | None = setting(
        None, gui="Velg database", doc="Which of the account's databases; may be left out if one."
    )
    name: Name | None = setting(None, doc="The clinic's name, for readers of the config.")
    group: Text50 | None = setting(
        None,
        gui="Gruppe",
        doc="A free-text group. Group all clinics or none: the rest show as 'Ungrouped'.",
        vendor="Clinic.Group",
    )
    text: ClinicText = setting(
        ClinicText, gui="Klinikkspesifikk tekst", doc="The clinic's own text at the treatment step."
    )
    providers: dict[ProviderCode, Provider] = setting(
        {}, gui="Valgte behandlere", doc="Providers who publish, in display order."
    )


class Account(Model):
    """One e-booking account: one booking site."""

    key: SecretRef = setting(
        gui="Kontonøkkel", doc="The account key from the welcome e-mail, by reference."
    )
    subdomain: str = setting(
        gui="Underdomene",
        doc=f"The site's label: <subdomain>.{SITE_DOMAIN}. Lower-case letters, digits, hyphens; "
        f"at most {SITE_SUBDOMAIN_MAX}.",
        vendor="Subdomain.Name",
    )
    country: Literal["NO", "SE", "DK"] = setting(
        "NO", doc="The account's country; Boka Vård is Swedish only.", vendor="OpusDatabase.Culture"
    )
    site_url: WebAddress | None = setting(
        None,
        doc=f"The booking site's API address; https://<subdomain>.{SITE_DOMAIN} when left out. "
        "https:// only, but for a site on this machine (http://127.0.0.1:…).",
    )
    certificates: dict[Identifier, Certificate] = setting(
        {}, gui="Velg sertifikat", doc="Client certificates registered, by a name of your choice."
    )
    use_certificate: Identifier | None = setting(
        None,
        gui="Bruk",
        doc="Which certificate is in use; may be left out when there is only one.",
    )
    databases: dict[Identifier, Database] = setting(
        gui="Databaser", doc="The Opus databases, by a name of your choice.", min_length=1
    )
    site: Site = setting(Site, gui="Web", doc="The booking site's settings.")
    clinics: dict[Identifier, Clinic] = setting(
        {}, gui="Klinikker", doc="Clinics that publish, in display order."
    )

    @field_validator("key")
    @classmethod
    def _plain_key(cls, key: Secret) -> Secret:
        """The key travels in an HTTP header: plain ASCII only (vendor keys are)."""
        if key.resolved and not key.reveal().isascii():
            raise Invalid(
                f"{key.reference} holds a character that is not plain ASCII; the account key "
                "from the welcome e-mail is letters, digits and dashes — copy it again",
                "secret",
            )
        return key

    @field_validator("site_url")
    @classmethod
    def _encrypted(cls, url: str | None) -> str | None:
        """The key and patients' data go to this address: https, but for this machine."""
        problem = site_url_problem(url) if url is not None else None
        if problem:
            raise Invalid(problem, "url")
        return url

    @field_validator("subdomain")
    @classmethod
    def _dns_label(cls, value: str) -> str:
        problem = subdomain_problem(value)
        if problem:
            raise Invalid(problem, "invalid-subdomain")
        if len(value) > SITE_SUBDOMAIN_MAX:
            raise Invalid(
                f"the subdomain has {len(value)} characters; the booking site holds at most "
                f"{SITE_SUBDOMAIN_MAX}",
                "invalid-subdomain",
            )
        return value

    @property
    def certificate_in_use(self) -> str | None:
        if self.use_certificate:
            return self.use_certificate
        return next(iter(self.certificates)) if len(self.certificates) == 1 else None

    @property
    def url(self) -> str:
        return self.site_url or f"https://{self.subdomain}.{SITE_DOMAIN}"

    def database_of(self, clinic: Clinic) -> str | None:
        if clinic.database:
            return clinic.database
        return next(iter(self.databases)) if len(self.databases) == 1 else None


class LintSettings(Model):
    """Settings for reconciler lint."""

    ignore: list[str] = setting([], doc="Lint rule ids to turn off for this config.")


class Safety(Model):
    """When apply refuses a plan unless given --force."""

    max_change_percent: int = setting(
        30,
        doc="Refuse a plan that changes or deletes more than this share of a kind of object…",
        ge=1,
        le=100,
    )
    min_objects: int = setting(10, doc="…when at least this many objects of that kind exist.", ge=0)


class Config(Model):
    """The root of reconciler.yaml."""

    version: int = setting(doc="The config format's version; this release reads version 1.")
    accounts: dict[Identifier, Account] = setting(
        doc="E-booking accounts, by a name of your choice.", min_length=1
    )
    lint: LintSettings = setting(LintSettings, doc="Lint rules to ignore.")
    safety: Safety = setting(Safety, doc="Limits on how much one apply may change.")

    @field_validator("version", mode="before")
    @classmethod
    def _supported(cls, value: Any, info: ValidationInfo) -> Any:
        if value not in SUPPORTED_VERSIONS or isinstance(value, bool):
            known = ", ".join(str(v) for v in SUPPORTED_VERSIONS)
            raise Invalid(
                f"unsupported version {value!r}; this reconciler reads version {known}", "version"
            )
        return value


__all__ = ["Account", "Clinic", "Config", "Database", "Provider", "PublishingRule"]
