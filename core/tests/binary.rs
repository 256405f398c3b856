//! The `qhub` binary itself: JSON logs carry the request id on every line of
//! a request, secrets are never logged, and SIGTERM shuts down gracefully.

mod common;

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use tokio::io::{AsyncReadExt, AsyncWriteExt};

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

#[tokio::test]
async fn json_logs_carry_request_id_and_sigterm_drains() {
    let port = free_port();
    let secret = "test-secret-test-secret-test-secret-0123";
    let mut child = common::qhub_command(port)
        .env("LOG_FORMAT", "json")
        .env("RUST_LOG", "info")
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("spawn qhub");
    let stdout = child.stdout.take().unwrap();
    let lines = std::thread::spawn(move || {
        BufReader::new(stdout)
            .lines()
            .map_while(Result::ok)
            .collect::<Vec<String>>()
    });

    let http = reqwest::Client::new();
    let base = format!("http://127.0.0.1:{port}");
    let started = Instant::now();
    loop {
        if http.get(format!("{base}/health/live")).send().await.is_ok() {
            break;
        }
        assert!(
            started.elapsed() < Duration::from_secs(20),
            "server did not start"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let r = http
        .get(format!("{base}/v1/auth/me"))
        .header("x-request-id", "trace-me-4711")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 401);

    // A request in flight when SIGTERM arrives: headers and half its body
    // sent. The server must stop accepting but finish this one.
    let mut inflight = tokio::net::TcpStream::connect(("127.0.0.1", port))
        .await
        .unwrap();
    let body = format!(
        r#"{{"tenant":"no-such-tenant","email":"{}@b.test","password":"wrong password"}}"#,
        uuid::Uuid::new_v4().simple()
    );
    let (first, rest) = body.split_at(20);
    let head = format!(
        "POST /v1/auth/login HTTP/1.1\r\nhost: x\r\nx-request-id: inflight-1\r\ncontent-type: application/json\r\ncontent-length: {}\r\n\r\n{first}",
        body.len()
    );
    inflight.write_all(head.as_bytes()).await.unwrap();
    tokio::time::sleep(Duration::from_millis(200)).await;

    let pid = child.id().to_string();
    assert!(Command::new("kill")
        .args(["-TERM", &pid])
        .status()
        .unwrap()
        .success());
    tokio::time::sleep(Duration::from_millis(300)).await;
    // New connections are refused or closed while draining.
    let fresh = http.get(format!("{base}/health/live")).send().await;
    assert!(fresh.is_err(), "server still accepting after SIGTERM");

    inflight.write_all(rest.as_bytes()).await.unwrap();
    let mut buf = Vec::new();
    inflight.read_to_end(&mut buf).await.unwrap();
    let text = String::from_utf8_lossy(&buf);
    assert!(
        text.starts_with("HTTP/1.1 401"),
        "in-flight request not completed: {text}"
    );

    let deadline = Instant::now() + Duration::from_secs(15);
    let status = loop {
        if let Some(s) = child.try_wait().unwrap() {
            break s;
        }
        assert!(Instant::now() < deadline, "no exit after SIGTERM");
        std::thread::sleep(Duration::from_millis(50));
    };
    assert!(status.success(), "exit status {status}");

    let lines = lines.join().unwrap();
    let parsed: Vec<serde_json::Value> = lines
        .iter()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|_| panic!("not JSON: {l}")))
        .collect();
    let ours: Vec<&serde_json::Value> = parsed
        .iter()
        .filter(|v| {
            v["spans"]
                .as_array()
                .is_some_and(|s| s.iter().any(|s| s["request_id"] == "trace-me-4711"))
        })
        .collect();
    assert!(
        ours.iter()
            .any(|v| v["fields"]["message"] == "request completed" && v["fields"]["status"] == 401),
        "no completion line with the request id: {lines:#?}"
    );
    assert!(parsed
        .iter()
        .any(|v| v["fields"]["message"] == "shutdown signal received; draining"));
    let all = lines.join("\n");
    assert!(!all.contains(secret), "JWT secret leaked into logs");
    assert!(
        !all.contains("qhub_app:qhub_app"),
        "database password leaked into logs"
    );
}
