"""site serve: run the reference booking site."""

from __future__ import annotations

from pathlib import Path

import click

from reconciler.errors import UsageError

pem_file = click.Path(exists=True, dir_okay=False, path_type=Path)


@click.group("site")
def site_group() -> None:
    """The reference booking site (what <subdomain>.opusdentalonline.com does)."""


@site_group.command("serve")
@click.option(
    "--data",
    required=True,
    type=click.Path(dir_okay=False, path_type=Path),
    help="The site's SQLite store; created if missing, kept across restarts.",
)
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option(
    "--port", default=8443, show_default=True, type=click.IntRange(0, 65535), help="Port."
)
@click.option(
    "--dev",
    is_flag=True,
    help="Also serve the dev API (the outbox of SMS and e-mail). Never where real patients book.",
)
@click.option("--tls-cert", type=pem_file, help="The site's certificate (PEM), for https.")
@click.option("--tls-key", type=pem_file, help="The site's private key (PEM).")
@click.option("--client-ca", type=pem_file, help="The CA that issues client certificates (PEM).")
def serve_command(
    data: Path,
    host: str,
    port: int,
    dev: bool,
    tls_cert: Path | None,
    tls_key: Path | None,
    client_ca: Path | None,
) -> int:
    """Run the reference booking site until stopped (Ctrl-C).

    Plain HTTP by default; with --tls-cert, --tls-key and --client-ca it speaks https and the
    backend API takes only the client certificate activated for each account.
    """
    from reconciler.site.server import TlsFiles, open_server, serve  # noqa: PLC0415 (start-up)

    files = (tls_cert, tls_key, client_ca)
    if any(files) and not all(files):
        raise UsageError(
            "--tls-cert, --tls-key and --client-ca go together",
            "give all three for https, or none for plain http",
        )
    tls = TlsFiles(tls_cert, tls_key, client_ca) if tls_cert and tls_key and client_ca else None
    serve(open_server(data, host=host, port=port, dev=dev, tls=tls))
    return 0
