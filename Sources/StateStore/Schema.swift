/// The PostgreSQL schema of the state store, as versioned migrations (see `Schema.md` for the
/// tables and example analyst queries).
///
/// Tables (all counts are event counts; `window_start` is a `timestamptz` at a whole UTC minute or
/// hour; `source_topic`/`source_partition` name the Kafka partition the events were read from):
/// - `schema_version(version int PRIMARY KEY, applied_at timestamptz)`: one row per applied migration.
/// - `partition_state(topic, partition, epoch, owner, next_offset, open_state, commit_seq, updated_at)`:
///   the fencing epoch, the next offset to consume (NULL: never committed), the opaque open-window
///   state and the commit sequence (idempotent retries).
/// - `counts_1m(window_start, scenario, district, verdict, source_topic, source_partition, count, late)`:
///   closed 1-minute windows; `count` = on-time events, `late` = events that arrived after the
///   window closed (spec v1 §7).
/// - `counts_1h(…)`: the same per UTC hour, maintained in the same transaction (sum of the minutes).
/// - `unattributed(source_topic, source_partition, reason, count)`: lifetime counts per reason.
/// - `duplicate_ids(topic, partition, id_hi, id_lo, scanned_at_ms)`: the duplicate filter's ids.
public enum Schema {
    /// The newest schema version this binary knows.
    public static let currentVersion = 1

    /// Migration statements per version (index 0 = version 1), run in order; all pending
    /// migrations run in one transaction holding a per-schema `pg_advisory_xact_lock`.
    static let migrations: [[String]] = [
        [
            """
            CREATE TABLE partition_state (
                topic       text        NOT NULL,
                partition   int         NOT NULL,
                epoch       bigint      NOT NULL,
                owner       text        NOT NULL,
                next_offset bigint,
                open_state  bytea       NOT NULL DEFAULT '\\x',
                commit_seq  bigint      NOT NULL DEFAULT 0,
                updated_at  timestamptz NOT NULL DEFAULT now(),
                PRIMARY KEY (topic, partition)
            )
            """,
            """
            CREATE TABLE counts_1m (
                source_topic     text        NOT NULL,
                source_partition int         NOT NULL,
                window_start     timestamptz NOT NULL,
                scenario         text        NOT NULL,
                district         text        NOT NULL,
                verdict          text        NOT NULL,
                count            bigint      NOT NULL DEFAULT 0,
                late             bigint      NOT NULL DEFAULT 0,
                PRIMARY KEY (source_topic, source_partition, window_start, scenario, district, verdict)
            )
            """,
            "CREATE INDEX counts_1m_window ON counts_1m (window_start)",
            """
            CREATE TABLE counts_1h (
                source_topic     text        NOT NULL,
                source_partition int         NOT NULL,
                window_start     timestamptz NOT NULL,
                scenario         text        NOT NULL,
                district         text        NOT NULL,
                verdict          text        NOT NULL,
                count            bigint      NOT NULL DEFAULT 0,
                late             bigint      NOT NULL DEFAULT 0,
                PRIMARY KEY (source_topic, source_partition, window_start, scenario, district, verdict)
            )
            """,
            "CREATE INDEX counts_1h_window ON counts_1h (window_start)",
            """
            CREATE TABLE unattributed (
                source_topic     text   NOT NULL,
                source_partition int    NOT NULL,
                reason           text   NOT NULL,
                count            bigint NOT NULL,
                PRIMARY KEY (source_topic, source_partition, reason)
            )
            """,
            """
            CREATE TABLE duplicate_ids (
                topic         text   NOT NULL,
                partition     int    NOT NULL,
                id_hi         bigint NOT NULL,
                id_lo         bigint NOT NULL,
                scanned_at_ms bigint NOT NULL,
                PRIMARY KEY (topic, partition, id_hi, id_lo)
            )
            """,
            "CREATE INDEX duplicate_ids_scanned ON duplicate_ids (topic, partition, scanned_at_ms)",
        ],
    ]
}
