"""Backups of a whole installation: the database and the file store, encrypted, never the master key.

    write_backup(out_path)      # `socialgood backup --out FILE`
    restore_backup(in_path)     # `socialgood restore FILE`

The archive is a tar stream (manifest.json, the database, files/…) encrypted in 1 MiB
chunks with AES-256-GCM under a key derived (HKDF) from the master key. So a backup
is as safe to store off-site as the master key is kept apart from it, and restoring
needs the same master key — which it needs anyway, because the project keys inside the
database are wrapped by it. Each chunk's associated data binds it to the header, its
position and whether it is the last, so a reordered, truncated or altered file fails to
decrypt instead of restoring part of the data.

The database is copied with SQLite's online backup API (consistent while the app runs)
or `pg_dump --format=custom` on PostgreSQL, restored with a file swap or `pg_restore`.
"""

import base64
import hashlib
import hmac
import io
import json
import os
import shutil
import sqlite3
import struct
import subprocess
import tarfile
import tempfile
from pathlib import Path

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings
from django.db import connection
from django.utils import timezone

from socialgood.privacy import crypto

MAGIC = b"SOCIALGOOD-BACKUP-1\n"
CHUNK = 1 << 20
LENGTH = struct.Struct(">I")
DATABASE_SQLITE = "database.sqlite3"
DATABASE_PG = "database.pgdump"


class BackupProblem(Exception):
    """Why a backup or restore can't go ahead, in plain words."""


# --- keys ------------------------------------------------------------------------------------


def current_master_key():
    """The master key from its file; never creates one (a restore must use the old key)."""
    path = Path(settings.MASTER_KEY_FILE)
    if not path.exists():
        raise BackupProblem(
            f"There is no master key at {path}. Restoring needs the master key the backup was "
            "made with: copy that key file there (or set SOCIALGOOD_MASTER_KEY_FILE) first."
        )
    return crypto.load_or_create_master_key(path)


def key_check(master):
    """A short fingerprint that tells keys apart without revealing them."""
    return hmac.new(master, b"socialgood master key check", hashlib.sha256).hexdigest()[:16]


def _backup_key(master, salt):
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=salt, info=b"socialgood backup").derive(
        master
    )


# --- the encrypted stream ------------------------------------------------------------------------


class _EncryptingWriter(io.RawIOBase):
    def __init__(self, out, key, header):
        self.out, self.key, self.index = out, key, 0
        self.binding = hashlib.sha256(header).digest()
        self.buffer = bytearray()

    def writable(self):
        return True

    def write(self, data):
        self.buffer += data
        while len(self.buffer) >= CHUNK:
            self._seal(bytes(self.buffer[:CHUNK]), final=False)
            del self.buffer[:CHUNK]
        return len(data)

    def _seal(self, chunk, final):
        aad = self.binding + struct.pack(">Q?", self.index, final)
        sealed = crypto.encrypt(self.key, chunk, aad)
        self.out.write(LENGTH.pack(len(sealed)) + sealed)
        self.index += 1

    def finish(self):
        self._seal(bytes(self.buffer), final=True)
        self.buffer.clear()


class _DecryptingReader(io.RawIOBase):
    def __init__(self, source, key, header):
        self.source, self.key, self.index = source, key, 0
        self.binding = hashlib.sha256(header).digest()
        self.buffer = b""
        self.done = False

    def readable(self):
        return True

    def readinto(self, target):
        while not self.buffer and not self.done:
            self._next_chunk()
        n = min(len(target), len(self.buffer))
        target[:n] = self.buffer[:n]
        self.buffer = self.buffer[n:]
        return n

    def _next_chunk(self):
        size = self.source.read(LENGTH.size)
        if len(size) < LENGTH.size:
            raise BackupProblem("The backup file is cut off: it ends before its last part.")
        sealed = self.source.read(LENGTH.unpack(size)[0])
        for final in (False, True):
            aad = self.binding + struct.pack(">Q?", self.index, final)
            try:
                self.buffer = crypto.decrypt(self.key, sealed, aad)
            except crypto.DecryptionError:
                continue
            self.index += 1
            self.done = final
            return
        raise BackupProblem("The backup file is damaged: a part of it does not decrypt.")


# --- backup ------------------------------------------------------------------------------------


def write_backup(out_path):
    """Write an encrypted backup to `out_path`; returns the manifest."""
    master = current_master_key()
    salt = os.urandom(16)
    manifest = _manifest(master)
    header = json.dumps(
        {"format": 1, "salt": base64.b64encode(salt).decode(), "key_check": key_check(master)}
    ).encode()
    out_path = Path(out_path)
    partial = out_path.with_name(out_path.name + ".partial")
    with tempfile.TemporaryDirectory(dir=settings.DATA_DIR, prefix=".backup-") as work:
        database = _dump_database(Path(work))
        with open(partial, "wb") as out:
            out.write(MAGIC + LENGTH.pack(len(header)) + header)
            writer = _EncryptingWriter(out, _backup_key(master, salt), header)
            with tarfile.open(fileobj=writer, mode="w|") as tar:
                _add_bytes(tar, "manifest.json", json.dumps(manifest, indent=2).encode())
                tar.add(database, arcname=database.name)
                for path in _store_files():
                    tar.add(
                        path, arcname="files/" + path.relative_to(settings.STORAGE_DIR).as_posix()
                    )
            writer.finish()
            out.flush()
            os.fsync(out.fileno())
    os.replace(partial, out_path)
    return manifest


def _manifest(master):
    from socialgood.projects.models import Project

    return {
        "created_at": timezone.now().isoformat(),
        "database": connection.vendor,
        "key_check": key_check(master),
        "projects": {p.slug: p.posts.count() for p in Project.objects.order_by("slug")},
    }


def _add_bytes(tar, name, data):
    info = tarfile.TarInfo(name)
    info.size = len(data)
    info.mtime = int(timezone.now().timestamp())
    info.mode = 0o600
    tar.addfile(info, io.BytesIO(data))


def _store_files():
    """Every file in the store, except key files that might have been put there."""
    store = Path(settings.STORAGE_DIR)
    if not store.exists():
        return []
    never = {Path(settings.MASTER_KEY_FILE).resolve()}
    return sorted(
        path
        for path in store.rglob("*")
        if path.is_file() and not path.is_symlink() and path.resolve() not in never
    )


def _dump_database(work):
    if connection.vendor == "sqlite":
        target = work / DATABASE_SQLITE
        source = sqlite3.connect(connection.settings_dict["NAME"])
        copy = sqlite3.connect(target)
        try:
            source.backup(copy)  # the online backup API: a consistent copy while in use
        finally:
            copy.close()
            source.close()
        return target
    if connection.vendor == "postgresql":
        target = work / DATABASE_PG
        _pg("pg_dump", "--format=custom", "--no-owner", "--no-privileges", f"--file={target}")
        return target
    raise BackupProblem(f"socialgood backs up SQLite and PostgreSQL, not {connection.vendor}.")


def _pg(program, *args):
    if shutil.which(program) is None:
        raise BackupProblem(
            f"{program} is not installed. Install PostgreSQL's client programs "
            "(e.g. the postgresql-client package) of the server's version."
        )
    db = connection.settings_dict
    command = [program, *args, f"--dbname={db['NAME']}"]
    if db.get("HOST"):
        command.append(f"--host={db['HOST']}")
    if db.get("PORT"):
        command.append(f"--port={db['PORT']}")
    if db.get("USER"):
        command.append(f"--username={db['USER']}")
    env = {**os.environ}
    if db.get("PASSWORD"):
        env["PGPASSWORD"] = db["PASSWORD"]
    result = subprocess.run(command, env=env, capture_output=True, text=True)
    if result.returncode != 0:
        raise BackupProblem(f"{program} failed: {result.stderr.strip()[-500:]}")


# --- restore ------------------------------------------------------------------------------------


def read_header(source):
    if source.read(len(MAGIC)) != MAGIC:
        raise BackupProblem("This is not a socialgood backup file.")
    size = source.read(LENGTH.size)
    header = source.read(LENGTH.unpack(size)[0])
    return header, json.loads(header)


def restore_backup(in_path, *, force=False):
    """Restore a backup into this (empty) installation; returns the manifest."""
    master = current_master_key()
    with open(in_path, "rb") as source:
        header, fields = read_header(source)
        if fields["key_check"] != key_check(master):
            raise BackupProblem(
                "This backup was made with a different master key than the one at "
                f"{settings.MASTER_KEY_FILE} (key check {fields['key_check']}, yours "
                f"{key_check(master)}). Nothing was restored. Put the master key of the "
                "installation the backup came from there, then try again."
            )
        if not force:
            _check_empty()
        key = _backup_key(master, base64.b64decode(fields["salt"]))
        reader = io.BufferedReader(_DecryptingReader(source, key, header), CHUNK)
        with tempfile.TemporaryDirectory(dir=settings.DATA_DIR, prefix=".restore-") as work:
            manifest, database = _unpack(reader, Path(work))
            if manifest is None or database is None:
                raise BackupProblem("The backup is incomplete: it has no manifest or no database.")
            if manifest["database"] != connection.vendor:
                raise BackupProblem(
                    f"This backup holds a {manifest['database']} database; this installation "
                    f"uses {connection.vendor}."
                )
            _install_database(database)
            _install_files(Path(work) / "files")
    _check_keys(master)
    return manifest


def _check_empty():
    tables = connection.introspection.table_names()
    if "projects_project" in tables:
        from socialgood.projects.models import Project

        if Project.objects.exists():
            raise BackupProblem(
                "This installation already has projects. Restore into an empty data directory "
                "(or database), or pass --force to replace everything in it."
            )
    store = Path(settings.STORAGE_DIR)
    if store.exists() and any(p.is_file() for p in store.rglob("*")):
        raise BackupProblem(
            f"The file store {store} is not empty. Restore into an empty data directory, or "
            "pass --force to replace its files."
        )


def _unpack(reader, work):
    manifest = database = None
    files = work / "files"
    with tarfile.open(fileobj=reader, mode="r|") as tar:
        for member in tar:
            if not member.isfile():
                continue
            name = member.name
            if name == "manifest.json":
                manifest = json.loads(tar.extractfile(member).read())
            elif name in (DATABASE_SQLITE, DATABASE_PG):
                database = work / name
                _copy_member(tar, member, database)
            elif name.startswith("files/"):
                target = (files / name[len("files/") :]).resolve()
                if not target.is_relative_to(files.resolve()):
                    raise BackupProblem(f"The backup holds a file outside the store: {name}.")
                target.parent.mkdir(parents=True, exist_ok=True)
                _copy_member(tar, member, target)
    return manifest, database


def _copy_member(tar, member, target):
    with tar.extractfile(member) as data, open(target, "wb") as out:
        shutil.copyfileobj(data, out, CHUNK)


def _install_database(database):
    if connection.vendor == "sqlite":
        name = Path(connection.settings_dict["NAME"])
        connection.close()
        for suffix in ("-wal", "-shm"):
            Path(f"{name}{suffix}").unlink(missing_ok=True)
        shutil.move(database, name)
    else:
        connection.close()
        _pg("pg_restore", "--clean", "--if-exists", "--no-owner", "--no-privileges", str(database))


def _install_files(unpacked):
    store = Path(settings.STORAGE_DIR)
    if store.exists():
        shutil.rmtree(store)
    if unpacked.exists():
        shutil.move(unpacked, store)
    else:
        store.mkdir(parents=True, exist_ok=True)


def _check_keys(master):
    from socialgood.projects.models import AuditEvent, Project

    unreadable = []
    for project in Project.objects.all():
        try:
            crypto.unwrap_key(master, bytes(project.wrapped_key))
        except crypto.DecryptionError:
            unreadable.append(project.slug)
        AuditEvent.record(None, project, "backup.restore", target=project.slug)
    if unreadable:
        raise BackupProblem(
            "Restored, but the master key does not open these projects: " + ", ".join(unreadable)
        )
