"""The desired state: a strict pydantic model of every e-booking setting."""

from reconciler.config.model.chain import (
    SUPPORTED_VERSIONS,
    Account,
    Certificate,
    Clinic,
    Config,
    Database,
    Provider,
    PublishingRule,
    WorkingHours,
)
from reconciler.config.model.opus import AppointmentType, Opus, PreblockType
from reconciler.config.model.site import Site

__all__ = [
    "SUPPORTED_VERSIONS",
    "Account",
    "AppointmentType",
    "Certificate",
    "Clinic",
    "Config",
    "Database",
    "Opus",
    "PreblockType",
    "Provider",
    "PublishingRule",
    "Site",
    "WorkingHours",
]
