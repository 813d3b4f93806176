"""Fill a fresh site store with what an account's site would hold after apply: the account
registered under a one-time key, a one-time client certificate activated, then the plan's
own site changes (settings, databases, master data) and the free time, sent through the
backend API client exactly as apply and sync send them — to a reference site on a loopback
port of its own, stopped when the store is full."""

from __future__ import annotations

import secrets
import uuid
from datetime import UTC, datetime, timedelta
from itertools import groupby
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from reconciler.domain.secrets import Secret
from reconciler.plan.diff import diff
from reconciler.preview.state import Wanted
from reconciler.providers.site import ClientCertificate, connect_backend
from reconciler.providers.site.applier import SiteApplier
from reconciler.providers.site.backend import BackendClient
from reconciler.providers.site.freetime import site_batch
from reconciler.providers.site.kinds import CERTIFICATE, KINDS
from reconciler.providers.site.live import live
from reconciler.providers.site.models import AvailableTimeslotBatch, TimeSlotDiffV2
from reconciler.providers.site.provider import step_key
from reconciler.providers.site.resources import database_id
from reconciler.site import Store
from reconciler.site.background import BackgroundSite

CHUNK = 1000  # free-time batches per request, as the sync service sends them


def one_time_certificate() -> ClientCertificate:
    """A throwaway self-signed client certificate: the preview never needs the account's."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "reconciler preview")])
    now = datetime.now(UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(minutes=5))
        .not_valid_after(now + timedelta(days=2))
        .sign(key, hashes.SHA256())
    )
    return ClientCertificate(certificate, key, source="preview")


def fill(store_path: Path, want: Wanted, certificate: ClientCertificate) -> Store:
    """A new store at `store_path` holding `want`; returns it."""
    account = want.settings
    key = secrets.token_urlsafe(24)
    store = Store(store_path)
    store.register_account(str(uuid.uuid4()), key, account.subdomain, culture=account.country)
    with (
        BackgroundSite(store) as site,
        connect_backend(site.url, Secret.given(key), certificate) as client,
    ):
        client.activate()
        _settings_and_master_data(client, want)
        _free_time(client, want)
    return store


def _settings_and_master_data(client: BackendClient, want: Wanted) -> None:
    account = want.settings
    found = live(account, None, client.subdomain(), {})
    resources = [r for r in want.resources if r.kind != CERTIFICATE]
    changes = [c for c in diff(resources, found) if c.after is not None]  # nothing to remove
    changes.sort(key=lambda c: (KINDS.index(c.kind), c.address))
    apply = SiteApplier(client, account, lambda database: want.type_ids[database])
    for _, step in groupby(changes, key=step_key):
        apply.apply(list(step))


def _free_time(client: BackendClient, want: Wanted) -> None:
    subdomain = want.settings.subdomain
    batches: dict[uuid.UUID, list[AvailableTimeslotBatch]] = {}
    for freed in want.free:
        site_id = database_id(subdomain, freed.database)
        batches.setdefault(site_id, []).extend(
            site_batch(
                batch, provider_id=freed.provider_id, clinic_id=freed.clinic_id, database_id=site_id
            )
            for batch in freed.batches
        )
    for site_id, added in batches.items():
        for start in range(0, len(added), CHUNK):
            part = TimeSlotDiffV2(OpusDatabaseID=site_id, Added=added[start : start + CHUNK])
            client.apply_free_time(site_id, part)
