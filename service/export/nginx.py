"""The nginx configuration that serves a static export: pure functions from options to text.

nginx cannot weigh q-values, so negotiation is a ``map`` from Accept to a file suffix: the
first media range the client lists that names a format wins (a range with ``q=0`` never
does), then any listed range that names one, else HTML. Every media type, suffix and alias
comes from :mod:`service.media`, the one place that knows them.
"""

from __future__ import annotations

import re
import shlex
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from service import media
from service.web.representation import CACHE_CONTROL

#: Routes that answer per request (queries, search, writes, release history): proxied to a
#: ``citynet serve`` when one is given, otherwise absent (404). ``=`` is an exact location.
DYNAMIC = ("= /sparql", "= /search", "= /reconcile", "^~ /reconcile/", "= /api", "^~ /api/",
           "= /graph-store", "^~ /graph/", "= /update", "= /health", "^~ /dumps/releases")
#: The suffix of each document format (HTML first, the default).
DOC_SUFFIXES = ("html", *(f.suffix for f in media.GRAPH_FORMATS))
#: ``{kind}/{slug}`` as the service accepts it (service/web/routes/resource.py).
THING = r"[a-z][a-z0-9-]*/[A-Za-z0-9][A-Za-z0-9_~.-]*"


@dataclass(frozen=True)
class Options:
    """Where nginx listens, where the export's site is, and the optional upstream service."""

    site: Path
    host: str = "127.0.0.1"
    port: int = 8080
    upstream: str = ""


def upstream_address(url: str) -> str:
    """``host:port`` of an upstream ``citynet serve`` given as http://host:port/ (ValueError
    for anything else: nginx proxies whole paths, so the service must sit at a root)."""
    parts = urlsplit(url)
    if parts.scheme != "http" or not parts.hostname or parts.path not in ("", "/") \
            or parts.query or parts.fragment:
        raise ValueError(f"--upstream must be http://host:port/ of a citynet serve, got {url!r}")
    return f"{parts.hostname}:{parts.port or 80}"


def doc_offers() -> list[tuple[str, str]]:
    """(media type, suffix) in the service's order of preference: HTML, then each format and
    its aliases (service/web/negotiate.py offers the same)."""
    offers = [(media.HTML, "html"), ("application/xhtml+xml", "html")]
    for fmt in media.GRAPH_FORMATS:
        offers += [(fmt.media_type, fmt.suffix)] + [(a, fmt.suffix) for a in fmt.aliases]
    return offers


def _range(media_type: str) -> str:
    """A regex for one media range of an Accept header naming ``media_type``, not at q=0."""
    return (re.escape(media_type) + r"(?=\s*(?:;|,|$))"
            r"(?![^,]*;\s*q\s*=\s*0(?:\.0*)?\s*(?:,|$))")


def accept_map(variable: str, offers: list[tuple[str, str]], default: str) -> str:
    """A ``map`` from Accept to a suffix: the first listed range that names an offer, then
    any range that does, else ``default``."""
    lines = [f"map $http_accept ${variable} {{", f"    default {default};"]
    for media_type, suffix in offers:
        lines.append(f'    "~*^\\s*{_range(media_type)}" {suffix};')
    for media_type, suffix in offers:
        lines.append(f'    "~*(?:^|,)\\s*{_range(media_type)}" {suffix};')
    return "\n".join(lines + ["}"])


def format_map() -> str:
    """``?format=`` of / and /.well-known/void (the "also available as" links) to a suffix;
    an unknown name is ``-`` (400, as the service answers)."""
    lines = ["map $arg_format $citynet_format {", '    "" "";', "    default -;",
             "    html html;", f"    {media.HTML} html;"]
    for fmt in media.GRAPH_FORMATS:
        for name in dict.fromkeys((fmt.name, fmt.suffix, fmt.media_type, *fmt.aliases)):
            lines.append(f'    "{name}" {fmt.suffix};')
    lines.append("}")
    lines.append("map $citynet_format $citynet_described {\n    \"\" $citynet_doc;\n"
                 "    default $citynet_format;\n}")
    return "\n".join(lines)


def types_block() -> tuple[str, list[str]]:
    """nginx's ``types`` (media type -> suffixes) and the types that carry a charset, both
    from service/media.py."""
    by_type: dict[str, list[str]] = {media.HTML: ["html"], media.JSON: ["json"]}
    for fmt in media.RDF_FORMATS:
        by_type.setdefault(fmt.media_type, []).append(fmt.suffix)
    for suffix, media_type in media.ASSET_TYPES.items():
        by_type.setdefault(media_type, []).append(suffix)
    by_type.setdefault(media.GZIP, []).append("gz")
    lines = ["types {"] + [f"    {t} {' '.join(s)};" for t, s in by_type.items()] + ["}"]
    # text/html is always among nginx's charset types (naming it again is a warning); JSON
    # answers (the dump list) come from Flask's JSON provider, which names no charset
    charset = [t for t in by_type if "charset=" in media.content_type(t)
               and t not in (media.HTML, media.JSON)]
    return "\n".join(lines), charset


def _listen(options: Options) -> str:
    host = f"[{options.host}]" if ":" in options.host else options.host  # an IPv6 address
    return f"{host}:{options.port}"


def _headers(indent: str, *extra: str) -> str:
    """What every 200 and 304 the service sends carries, and ``extra`` headers."""
    lines = [f'add_header Cache-Control "{CACHE_CONTROL}";',
             'add_header Access-Control-Allow-Origin "*";',
             "add_header X-Content-Type-Options nosniff;", *extra]
    return "\n".join(indent + line for line in lines)


def _proxy(upstream: bool) -> str:
    if not upstream:
        return "    # Dynamic routes (/sparql, /api, /search, /reconcile …) are absent: no --upstream."
    body = ("        proxy_pass http://citynet_serve;\n"
            "        proxy_http_version 1.1;\n"
            '        proxy_set_header Connection "";\n'
            "        proxy_set_header Host $http_host;\n"
            "        proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;\n"
            "        proxy_set_header X-Forwarded-Proto $scheme;\n"
            "        proxy_set_header X-Forwarded-Host $http_host;")
    blocks = ["    # Dynamic routes: the running citynet serve (start it with --trusted-proxies 1).",
              "    # A static route answers 418 internally to hand a request over to it.",
              "    error_page 418 = @citynet_serve;",
              f"    location @citynet_serve {{\n{body}\n    }}"]
    blocks += [f"    location {where} {{\n{body}\n    }}" for where in DYNAMIC]
    return "\n".join(blocks)


def server_conf(options: Options) -> str:
    """The maps, the upstream and the ``server`` block: include it in an ``http`` block."""
    types, charset = types_block()
    text_types = [t for t in charset if t.startswith("text/")]
    suffixes = "|".join(DOC_SUFFIXES)
    vary = "add_header Vary Accept;"
    upstream = ""

    def to_upstream(indent: str, condition: str) -> str:
        """With an upstream, requests whose answer depends on the query string (a search on
        the home page, a later page of a document's incoming links) go to the service.
        Without one, a later page of a document is not in the export: 404, never page 1
        again (a crawler following "next" would loop)."""
        if options.upstream:
            return f"{indent}if ({condition}) {{ return 418; }}\n"
        if condition == "$args":
            return f"{indent}if ($citynet_later_page) {{ return 404; }}\n"
        return ""

    if options.upstream:
        upstream = (f"upstream citynet_serve {{\n    server {upstream_address(options.upstream)};"
                    "\n    keepalive 16;\n}\n\n")
    listing = accept_map("citynet_listing", [(media.HTML, "html"), (media.JSON, "json")], "html")
    home_map = ("map $citynet_described $citynet_home {\n    html /index.html;\n"
                "    default /.well-known/void.$citynet_described;\n}")
    return f"""# CityNet LOD static export: generated by `citynet export-static`; do not edit.
{accept_map("citynet_doc", doc_offers(), "html")}

map $arg_page $citynet_later_page {{
    "" 0;
    "1" 0;
    default 1;
}}

{format_map()}

{home_map}

{listing}

{upstream}server {{
    listen {_listen(options)};
    server_name _;
    root {options.site};
    absolute_redirect off;
    server_tokens off;
    etag on;
    charset utf-8;
    charset_types {' '.join(charset)};
    {types.replace(chr(10), chr(10) + '    ')}
    default_type application/octet-stream;
    # Text answers are compressed for clients that ask (the ETag becomes weak: W/"…").
    gzip on;
    gzip_vary on;
    gzip_min_length 1024;
    gzip_types {' '.join([*charset, media.JSON])};

    # The home page for browsers, the dataset description (VoID) for RDF clients.
    location = / {{
        if ($citynet_described = -) {{ return 400; }}
{to_upstream("        ", "$arg_q")}{_headers("        ", vary)}
        try_files $citynet_home =404;
    }}
    location = /.well-known/void {{
        if ($citynet_described = -) {{ return 400; }}
{_headers("        ", vary)}
        try_files /.well-known/void.$citynet_described =404;
    }}
    location ^~ /.well-known/void. {{ internal; }}

    # The vocabulary and the shapes: negotiated, or one format by suffix.
    location ~ "^/(?<citynet_doc_name>def|shapes)$" {{
{_headers("        ", vary, "add_header Content-Location $uri;")}
        try_files /$citynet_doc_name.$citynet_doc =404;
    }}
    location ~ "^/(?:def|shapes)\\.(?:{suffixes})$" {{
{_headers("        ", vary)}
        try_files $uri =404;
    }}

    # Cool URIs: a thing is not a document, so 303 See Other to the document about it.
    location ~ "^/id/(?<citynet_thing>{THING})$" {{
        if (!-f $document_root/doc/$citynet_thing.html) {{ return 404; }}
{_headers("        ")}
        return 303 /doc/$citynet_thing;
    }}
    location /id/ {{ return 404; }}

    # Documents: one format by suffix, or the one Accept names (HTML by default).
    location ^~ /doc/ {{
        location ~ "\\.(?:{suffixes})$" {{
{to_upstream("            ", "$args")}{_headers("            ", vary)}
            try_files $uri =404;
        }}
{to_upstream("        ", "$args")}{_headers("        ", vary, "add_header Content-Location $uri;")}
        try_files $uri.$citynet_doc =404;
    }}

    location = /context.jsonld {{
{_headers("        ")}
        try_files $uri =404;
    }}

    # Downloads: the list (HTML or JSON) and the release's files, as attachments.
    location = /dumps/ {{
{_headers("        ", vary)}
        try_files /dumps/index.$citynet_listing =404;
    }}
    location ~ "^/dumps/(?<citynet_dump>[A-Za-z0-9][A-Za-z0-9_.-]*)$" {{
        charset_types {' '.join(text_types)};
        if ($citynet_dump ~ "^index\\.") {{ return 404; }}
{_headers("        ", 'add_header Content-Disposition "attachment; filename=$citynet_dump";')}
        try_files $uri =404;
    }}

    location ^~ /static/ {{
        try_files $uri =404;
    }}

{_proxy(bool(options.upstream))}

    # Anything else is unknown.
    location / {{ return 404; }}
}}
"""


#: Paths in nginx.conf are relative to the prefix (``-p``), the export folder.
def nginx_conf(workers: str = "auto") -> str:
    """A complete nginx.conf for ``nginx -p DIR -c nginx.conf``: pid, logs and temporary files
    stay inside DIR, so an unprivileged user runs it."""
    return f"""# CityNet LOD static export: generated by `citynet export-static`; do not edit.
# Run: {shlex.join(command(Path('DIR')))}
worker_processes {workers};
pid logs/nginx.pid;
error_log logs/error.log warn;

events {{
    worker_connections 1024;
}}

http {{
    access_log logs/access.log combined buffer=64k flush=5s;
    sendfile on;
    tcp_nopush on;
    keepalive_timeout 65;
    keepalive_requests 100000;
    client_body_temp_path tmp/client_body;
    proxy_temp_path tmp/proxy;
    fastcgi_temp_path tmp/fastcgi;
    uwsgi_temp_path tmp/uwsgi;
    scgi_temp_path tmp/scgi;
    include server.conf;
}}
"""


def command(folder: Path, nginx: str = "nginx") -> list[str]:
    """The command line that serves an export folder in the foreground."""
    return [nginx, "-p", str(folder), "-c", "nginx.conf", "-e", "logs/error.log",
            "-g", "daemon off;"]
