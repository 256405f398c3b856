//! What a job submission must satisfy, checked before anything is queued:
//! the request's fields, then the program against the backend, the
//! organization's quota and the workers' memory.

use std::collections::BTreeMap;

use qhub_lib::ApiError;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use utoipa::ToSchema;
use uuid::Uuid;

use crate::apps::rules as app_rules;
use crate::platform::validate::schema::{named, string};
use crate::platform::validate::{self, Checks};

/// Longest program, in bytes.
pub const MAX_PROGRAM_BYTES: usize = 256 * 1024;
/// Tags per job.
pub const MAX_TAGS: usize = 20;
/// Shots when the request names none.
pub const DEFAULT_SHOTS: i32 = 1024;
/// A job's time limit when the request names none, and the most it may ask.
pub const DEFAULT_MAX_SECONDS: i32 = 600;
pub const MAX_MAX_SECONDS: i32 = 3600;
/// The final statevector is kept for at most this many qubits.
pub const MAX_STATEVECTOR_QUBITS: u32 = 20;
/// Seeds are kept within what JSON numbers carry exactly (2^53 − 1).
pub const MAX_SEED: i64 = 9_007_199_254_740_991;
/// Shots × (classical bits + registers): bounds the counts' size.
pub const MAX_RESULT_BITS: u64 = 8 * 1024 * 1024;
/// Parameters bound to an app version's program.
pub const MAX_PARAMETERS: usize = 64;

named!(
    Program,
    string(
        "An OpenQASM 2.0 program (`OPENQASM 2.0;`, `include \"qelib1.inc\";`, user gate \
         definitions, measure, reset, barrier, if): at most 262144 bytes. Errors are 422 \
         `program_invalid` with `line` and `column`; more qubits than allowed \
         `too_many_qubits`, a gate the backend lacks `unsupported_gate`, more operations \
         after expanding gate definitions than allowed `too_many_gates`."
    )
    .min_length(Some(1))
    .max_length(Some(MAX_PROGRAM_BYTES))
    .examples([serde_json::json!(
        "OPENQASM 2.0;\ninclude \"qelib1.inc\";\nqreg q[2];\ncreg c[2];\nh q[0];\ncx q[0],q[1];\nmeasure q -> c;\n"
    )])
);
named!(
    BackendRef,
    string("A backend's id or its name (`qhub-statevector`).")
        .min_length(Some(1))
        .max_length(Some(100))
        .pattern(Some("^[A-Za-z0-9][A-Za-z0-9._-]*$"))
        .examples([serde_json::json!("qhub-statevector")])
);
named!(
    JobName,
    string("A job's name: at most 200 characters, no control or invisible characters.")
        .max_length(Some(200))
        .pattern(Some(validate::SEARCH_PATTERN))
);
named!(
    IdempotencyKey,
    string(
        "Makes a submission safe to retry: the same key with the same body answers the job \
         the first request created (201 again); the same key with a different body is 422 \
         `idempotency_key_reused`. 1–255 visible ASCII characters; kept for the job's life."
    )
    .min_length(Some(1))
    .max_length(Some(255))
    .pattern(Some("^[\\x21-\\x7E]+$"))
);

named!(
    Parameters,
    utoipa::openapi::schema::ObjectBuilder::new()
        .schema_type(utoipa::openapi::schema::Type::Object)
        .description(Some(
            "Values for an app program's free identifiers: at most 64, names as OpenQASM \
             identifiers, values finite numbers.",
        ))
        .max_properties(Some(MAX_PARAMETERS))
        .property_names(Some(
            utoipa::openapi::schema::ObjectBuilder::new()
                .schema_type(utoipa::openapi::schema::Type::String)
                .pattern(Some("^[a-z][A-Za-z0-9_]{0,63}$")),
        ))
        .additional_properties(Some(
            utoipa::openapi::schema::ObjectBuilder::new()
                .schema_type(utoipa::openapi::schema::Type::Number)
        ))
        .examples([serde_json::json!({"theta": 0.5})])
);

/// `POST /v1/jobs`. Exactly one of `program` and `app_version_id` (both
/// or neither: 422 on `program`).
#[derive(Debug, Clone, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SubmitJobRequest {
    #[schema(value_type = BackendRef)]
    pub backend: String,
    /// The program to run (or `app_version_id`).
    #[serde(default)]
    #[schema(value_type = Option<Program>)]
    pub program: Option<String>,
    /// A published app version whose package is an OpenQASM circuit (an
    /// app of type `circuit` or a version with sdk `openqasm2`): the
    /// organization's own, or one in the registry.
    #[serde(default)]
    pub app_version_id: Option<Uuid>,
    /// Values for the free identifiers of the program or the app's program
    /// (at most 64, finite numbers; names as OpenQASM identifiers): every
    /// identifier the program uses must have a value, and every value must
    /// be used (else 422 `program_invalid`).
    #[serde(default)]
    #[schema(value_type = Option<Parameters>)]
    pub parameters: Option<BTreeMap<String, f64>>,
    /// 1 to the backend's `max_shots` and the organization's quota
    /// (default 1024).
    #[serde(default, deserialize_with = "validate::present_integer")]
    #[schema(value_type = i32, minimum = 1, maximum = 1000000)]
    pub shots: Option<i32>,
    #[serde(default)]
    #[schema(value_type = Option<JobName>)]
    pub name: Option<String>,
    /// At most 20 distinct tags.
    #[serde(default)]
    #[schema(value_type = Option<Vec<crate::apps::rules::Tag>>, max_items = 20)]
    pub tags: Option<Vec<String>>,
    /// Makes the sampling reproducible (0 to 2^53 − 1; random when absent).
    #[serde(default, deserialize_with = "validate::present_integer")]
    #[schema(value_type = i64, minimum = 0, maximum = 9007199254740991_i64)]
    pub seed: Option<i64>,
    /// The job fails with `time_limit_exceeded` if it runs longer (1–3600,
    /// default 600).
    #[serde(default, deserialize_with = "validate::present_integer")]
    #[schema(value_type = i32, minimum = 1, maximum = 3600)]
    pub max_execution_seconds: Option<i32>,
    /// Keep the final statevector with the result (up to 20 qubits).
    #[serde(default, deserialize_with = "validate::present")]
    #[schema(value_type = bool)]
    pub statevector: Option<bool>,
}

impl SubmitJobRequest {
    /// What identifies the request for `Idempotency-Key`: its fields as
    /// sent, hashed.
    pub fn fingerprint(&self) -> String {
        let json = serde_json::to_vec(self).unwrap_or_default();
        hex::encode(Sha256::digest(json))
    }
}

/// The fields of a submission, checked (the program is checked later,
/// against its backend).
pub struct Checked {
    pub shots: i32,
    pub name: String,
    pub tags: Vec<String>,
    pub seed: i64,
    pub max_execution_seconds: i32,
    pub statevector: bool,
}

pub fn tags(checks: &mut Checks, tags: &[String]) {
    let bad = tags.iter().any(|t| !app_rules::tag(t));
    checks.check(
        "tags",
        bad.then_some(
            "each tag is 1–32 characters of a-z, 0-9 and '-', starting with a letter or digit",
        ),
    );
    checks.check("tags", (tags.len() > MAX_TAGS).then_some("at most 20 tags"));
}

/// Distinct, in the order given.
pub fn dedup_tags(tags: &[String]) -> Vec<String> {
    let mut out: Vec<String> = Vec::with_capacity(tags.len());
    for t in tags {
        if !out.contains(t) {
            out.push(t.clone());
        }
    }
    out
}

pub fn check_request(req: &SubmitJobRequest) -> Result<Checked, ApiError> {
    let mut checks = Checks::default();
    match (&req.program, &req.app_version_id) {
        (Some(_), Some(_)) => {
            checks.check(
                "program",
                Some("give either program or app_version_id, not both"),
            );
        }
        (None, None) => {
            checks.check(
                "program",
                Some("give program (OpenQASM text) or app_version_id"),
            );
        }
        _ => {}
    }
    if let Some(p) = &req.program {
        if p.is_empty() {
            checks.check("program", Some("must not be empty"));
        } else if p.len() > MAX_PROGRAM_BYTES {
            checks.check("program", Some("must be at most 262144 bytes"));
        }
    }
    if let Some(ps) = &req.parameters {
        if ps.len() > MAX_PARAMETERS {
            checks.check("parameters", Some("at most 64 parameters"));
        }
        if ps.values().any(|v| !v.is_finite()) {
            checks.check("parameters", Some("values must be finite numbers"));
        }
        if ps.keys().any(|k| !identifier(k)) {
            checks.check(
                "parameters",
                Some("names must be OpenQASM identifiers (a lower-case letter, then letters, digits, _), at most 64 characters"),
            );
        }
    }
    let backend_ok = (1..=100).contains(&req.backend.len())
        && req
            .backend
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"._-".contains(&b));
    checks.check(
        "backend",
        (!backend_ok).then_some("is not a backend id or name"),
    );
    let shots = req.shots.unwrap_or(DEFAULT_SHOTS);
    checks.check(
        "shots",
        (!(1..=1_000_000).contains(&shots)).then_some("must be between 1 and 1000000"),
    );
    let name = req.name.as_deref().unwrap_or("").trim().to_owned();
    if name.chars().count() > 200 {
        checks.check("name", Some("must be at most 200 characters"));
    } else if name.chars().any(validate::is_forbidden) {
        checks.check(
            "name",
            Some("must not contain control or invisible characters"),
        );
    }
    let tag_list = req.tags.clone().unwrap_or_default();
    tags(&mut checks, &tag_list);
    let seed = match req.seed {
        Some(s) => {
            checks.check(
                "seed",
                (!(0..=MAX_SEED).contains(&s)).then_some("must be between 0 and 9007199254740991"),
            );
            s
        }
        None => rand::random::<i64>().rem_euclid(MAX_SEED + 1),
    };
    let max_execution_seconds = req.max_execution_seconds.unwrap_or(DEFAULT_MAX_SECONDS);
    checks.check(
        "max_execution_seconds",
        (!(1..=MAX_MAX_SECONDS).contains(&max_execution_seconds))
            .then_some("must be between 1 and 3600"),
    );
    checks.finish()?;
    Ok(Checked {
        shots,
        name,
        tags: dedup_tags(&tag_list),
        seed,
        max_execution_seconds,
        statevector: req.statevector.unwrap_or(false),
    })
}

fn identifier(s: &str) -> bool {
    let b = s.as_bytes();
    (1..=64).contains(&b.len())
        && b[0].is_ascii_lowercase()
        && b.iter().all(|c| c.is_ascii_alphanumeric() || *c == b'_')
}

/// What a program may use: the backend's and the quota's limits.
pub struct ProgramLimits<'a> {
    pub backend_name: &'a str,
    pub backend_qubits: u32,
    pub quota_qubits: u32,
    pub basis_gates: &'a [String],
    pub max_gates: u64,
    /// The most a worker can reserve for one job's state.
    pub worker_memory_bytes: u64,
    pub statevector: bool,
}

/// The program's shape as the queue needs it.
pub struct Shape {
    pub qubits: u32,
    pub clbits: u32,
    pub depth: u32,
    pub gate_count: u64,
    pub memory_bytes: u64,
    /// Amplitude updates: gates × 2^qubits.
    pub cost: f64,
}

fn program_error(e: &qhub_sim::ParseError) -> ApiError {
    use qhub_sim::ErrorCode as E;
    let code = match e.code {
        E::TooManyQubits => "too_many_qubits",
        E::TooManyGates => "too_many_gates",
        E::UnknownGate | E::Unsupported => "unsupported_gate",
        _ => "program_invalid",
    };
    let message = format!("line {}, column {}: {}", e.line, e.column, e.message);
    match ApiError::refused_field(code, "program", message) {
        ApiError::Refused {
            status,
            code,
            detail,
            errors,
            ..
        } => ApiError::Refused {
            status,
            code,
            detail,
            errors,
            at: Some((e.line, e.column)),
        },
        other => other,
    }
}

/// Parses and checks a program. CPU-bound (a large program with deep gate
/// definitions takes milliseconds): callers run it off the async runtime.
pub fn check_program(
    source: &str,
    parameters: Option<&BTreeMap<String, f64>>,
    limits: &ProgramLimits<'_>,
    shots: i32,
) -> Result<Shape, ApiError> {
    let max_qubits = limits.backend_qubits.min(limits.quota_qubits);
    let sim_limits = qhub_sim::Limits {
        max_qubits,
        max_clbits: 1024,
        max_gates: limits.max_gates,
    };
    let parsed = match parameters {
        Some(p) => qhub_sim::parse_with_parameters(source, &sim_limits, p),
        None => qhub_sim::parse(source, &sim_limits),
    };
    let circuit = parsed.map_err(|e| {
        let mut err = program_error(&e);
        if e.code == qhub_sim::ErrorCode::TooManyQubits {
            if let ApiError::Refused { detail, .. } = &mut err {
                detail.push_str(&format!(
                    " (backend {} has {} qubits; this organization's jobs may use {})",
                    limits.backend_name, limits.backend_qubits, limits.quota_qubits
                ));
            }
        }
        err
    })?;
    let unsupported: Vec<String> = circuit
        .gate_names()
        .into_iter()
        .map(|g| g.to_lowercase())
        .filter(|g| !limits.basis_gates.iter().any(|b| b == g))
        .collect();
    if !unsupported.is_empty() {
        return Err(ApiError::refused_field(
            "unsupported_gate",
            "program",
            format!(
                "backend {} does not support: {}",
                limits.backend_name,
                unsupported.join(", ")
            ),
        ));
    }
    let qubits = circuit.num_qubits();
    if limits.statevector && qubits > MAX_STATEVECTOR_QUBITS {
        return Err(ApiError::field(
            "statevector",
            "the statevector is kept for programs of at most 20 qubits",
        ));
    }
    // Twice the state: a run that measures mid-circuit, resets or
    // branches keeps a copy of the state before the first such operation
    // (and a kept statevector is another); the worker reserves this much.
    let memory_bytes = qhub_sim::statevector_bytes(qubits).saturating_mul(2);
    if memory_bytes > limits.worker_memory_bytes {
        return Err(ApiError::refused_field(
            "too_many_qubits",
            "program",
            format!(
                "{qubits} qubits need {memory_bytes} bytes of state; workers reserve at most {} per job",
                limits.worker_memory_bytes
            ),
        ));
    }
    // The counts can hold one key per shot, each as long as the classical
    // bits: bounded so a result stays a few MiB.
    let width = u64::from(circuit.num_clbits()) + circuit.cregs().len() as u64;
    if u64::try_from(shots).unwrap_or(0).saturating_mul(width) > MAX_RESULT_BITS {
        return Err(ApiError::refused_field(
            "too_many_shots",
            "shots",
            format!(
                "shots × classical bits may be at most {MAX_RESULT_BITS} (the counts' size); \
                 this job has {shots} × {width}"
            ),
        ));
    }
    Ok(Shape {
        qubits,
        clbits: circuit.num_clbits(),
        depth: circuit.depth(),
        gate_count: circuit.gate_count(),
        memory_bytes,
        cost: circuit.gate_count() as f64 * f64::from(qubits).exp2(),
    })
}
