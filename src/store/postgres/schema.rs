//! The database schema, created and migrated by `cert` itself: `cert_schema` holds the
//! versions applied; [`MIGRATIONS`] are applied in order, all that are missing in one
//! transaction under an advisory lock, so that nodes starting together never race (the
//! second waits, then finds nothing to do). A schema newer than this program is refused.
//!
//! Tables: `ca` and `crl` (one row each: the CA chain; the CRL chain agents fetch, its number
//! and next update), sequence `cert_serial` (serials: `nextval` in the signing transaction),
//! `inventory` (every issued certificate; its primary key on the serial is the last guard
//! against a serial used twice), `signed` (each name's current certificate), `requests`,
//! `revocations` (the data the CRL is rendered from), `audit` and `files` (puppetserver's
//! other files, such as `ca_pub.pem`, kept for a migration back to files), `ca_archive` (each
//! CA chain `cert extend-ca` replaced, by the time it was replaced), and the function
//! `cert_refuse_signed(names)`, which fails its transaction with SQLSTATE `CE001` (the names in
//! its DETAIL) when one of the names has a certificate: the duplicate rule of a transaction
//! that reads nothing before it writes; `console_sessions` (the web console's login links and
//! sessions, by the hash of their secrets: no CA data, never copied); `enrolment_tokens` (the
//! enrolment tokens, by the hash of each token: no CA data, never copied) and the function
//! `cert_use_token(hash, id, count, at)`, which takes uses of a token or fails its transaction
//! with SQLSTATE `CE002` (the token's id in its DETAIL) when the token has not that many left,
//! has expired at `at` or was revoked. An inventory row keeps
//! the `line` it was imported from (`cert migrate`) when that is not how `cert` writes it (an
//! old Ruby CA's lower-case `0x%04x`), so that it goes back out as it came. Serials and CRL
//! numbers are `numeric` (certificates from other CAs may have 128-bit serials); `entry`
//! columns keep the order rows were added, as the files keep theirs.

use crate::error::StoreError;

use super::connection::Pooled;

/// Class of `cert`'s advisory locks (two-key form): `'cert'` in ASCII.
pub(super) const LOCK_CLASS: i32 = 0x6365_7274;

/// The advisory lock taken while migrating.
const MIGRATION_LOCK: i32 = 1;

/// The schema's versions, in order: each applied once, in one transaction with the others
/// that are missing.
const MIGRATIONS: &[(i32, &str)] = &[
    (
        1,
        "CREATE TABLE ca (
        id boolean PRIMARY KEY DEFAULT true CHECK (id),
        chain_pem bytea NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now()
    );
    CREATE TABLE crl (
        id boolean PRIMARY KEY DEFAULT true CHECK (id),
        number numeric(40, 0) NOT NULL CHECK (number >= 0),
        pem bytea NOT NULL,
        next_update timestamptz,
        updated_at timestamptz NOT NULL DEFAULT now()
    );
    CREATE SEQUENCE cert_serial AS bigint MINVALUE 1 NO CYCLE;
    CREATE TABLE inventory (
        serial numeric(40, 0) PRIMARY KEY CHECK (serial >= 0),
        entry bigserial NOT NULL UNIQUE,
        not_before timestamptz NOT NULL,
        not_after timestamptz NOT NULL,
        subject text NOT NULL
    );
    CREATE TABLE signed (
        name text PRIMARY KEY,
        serial numeric(40, 0) NOT NULL UNIQUE,
        pem bytea NOT NULL
    );
    CREATE TABLE requests (
        name text PRIMARY KEY,
        pem bytea NOT NULL,
        queued_at timestamptz NOT NULL DEFAULT now()
    );
    CREATE TABLE revocations (
        serial numeric(40, 0) PRIMARY KEY CHECK (serial >= 0),
        entry bigserial NOT NULL UNIQUE,
        reason smallint,
        revoked_at timestamptz NOT NULL
    );
    CREATE TABLE audit (
        id bigserial PRIMARY KEY,
        line text NOT NULL
    );
    CREATE TABLE files (
        name text PRIMARY KEY,
        bytes bytea NOT NULL
    );",
    ),
    (
        2,
        "CREATE TABLE ca_archive (
        archived_at timestamptz PRIMARY KEY,
        chain_pem bytea NOT NULL
    );",
    ),
    (3, "ALTER TABLE inventory ADD COLUMN line text;"),
    (
        4,
        "CREATE FUNCTION cert_refuse_signed(names text[]) RETURNS void
        LANGUAGE plpgsql AS $$
        DECLARE
            found text;
        BEGIN
            SELECT string_agg(name, ' ' ORDER BY name) INTO found
            FROM signed WHERE name = ANY (names);
            IF found IS NOT NULL THEN
                RAISE EXCEPTION 'a certificate exists for %', found
                    USING ERRCODE = 'CE001', DETAIL = found;
            END IF;
        END
        $$;",
    ),
    (
        5,
        "CREATE TABLE console_sessions (
        hash text PRIMARY KEY,
        kind text NOT NULL CHECK (kind IN ('link', 'session')),
        actor text NOT NULL,
        created_at timestamptz NOT NULL,
        seen_at timestamptz NOT NULL,
        expires_at timestamptz NOT NULL
    );",
    ),
    (
        6,
        "CREATE TABLE enrolment_tokens (
        hash text PRIMARY KEY,
        id text NOT NULL UNIQUE,
        glob text NOT NULL,
        comment text NOT NULL,
        created_by text NOT NULL,
        created_at timestamptz NOT NULL,
        expires_at timestamptz NOT NULL,
        uses integer NOT NULL CHECK (uses > 0),
        uses_left integer NOT NULL CHECK (uses_left >= 0 AND uses_left <= uses),
        revoked_at timestamptz
    );
    CREATE FUNCTION cert_use_token(token text, token_id text, wanted integer, at timestamptz)
        RETURNS void LANGUAGE plpgsql AS $$
        BEGIN
            UPDATE enrolment_tokens SET uses_left = uses_left - wanted
            WHERE hash = token AND uses_left >= wanted AND expires_at > at
              AND revoked_at IS NULL;
            IF NOT FOUND THEN
                RAISE EXCEPTION 'enrolment token % has no use left', token_id
                    USING ERRCODE = 'CE002', DETAIL = token_id;
            END IF;
        END
        $$;",
    ),
];

/// The newest version this program knows.
pub(super) fn latest() -> i32 {
    MIGRATIONS.last().map_or(0, |(version, _)| *version)
}

/// Bring the schema of `connection`'s database to [`latest`].
pub(super) fn migrate(connection: &Pooled<'_>) -> Result<(), StoreError> {
    let client = connection.client();
    if current(connection)? == Some(latest()) {
        return Ok(());
    }
    connection.run("begin the schema migration", client.batch_execute("BEGIN"))?;
    // Until COMMIT: a failure leaves the transaction open, and the connection is not reused.
    connection.discard();
    connection.run(
        "lock the schema",
        client.execute(
            "SELECT pg_advisory_xact_lock($1, $2)",
            &[&LOCK_CLASS, &MIGRATION_LOCK],
        ),
    )?;
    connection.run(
        "create the schema table",
        client.batch_execute(
            "CREATE TABLE IF NOT EXISTS cert_schema (
                version integer PRIMARY KEY,
                applied_at timestamptz NOT NULL DEFAULT now()
            )",
        ),
    )?;
    let found = current(connection)?.unwrap_or(0);
    check_known(connection, found)?;
    for (version, sql) in MIGRATIONS.iter().filter(|(version, _)| *version > found) {
        connection.run("migrate the schema", client.batch_execute(sql))?;
        connection.run(
            "record the schema version",
            client.execute("INSERT INTO cert_schema (version) VALUES ($1)", &[version]),
        )?;
    }
    connection.run(
        "commit the schema migration",
        client.batch_execute("COMMIT"),
    )?;
    Ok(())
}

/// The version applied, `None` before any (no `cert_schema` table).
fn current(connection: &Pooled<'_>) -> Result<Option<i32>, StoreError> {
    let client = connection.client();
    let exists: bool = connection
        .run(
            "read the schema version",
            client.query_one("SELECT to_regclass('cert_schema') IS NOT NULL", &[]),
        )?
        .get(0);
    if !exists {
        return Ok(None);
    }
    let version: Option<i32> = connection
        .run(
            "read the schema version",
            client.query_one("SELECT max(version) FROM cert_schema", &[]),
        )?
        .get(0);
    let version = version.unwrap_or(0);
    check_known(connection, version)?;
    Ok(Some(version))
}

fn check_known(connection: &Pooled<'_>, found: i32) -> Result<(), StoreError> {
    if found > latest() {
        return Err(StoreError::SchemaTooNew {
            store: connection.database().name(),
            found,
            known: latest(),
        });
    }
    Ok(())
}
