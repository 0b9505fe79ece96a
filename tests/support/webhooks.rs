//! A webhook receiver for the tests: a small real HTTP/1.1 server on a free port of this
//! machine that records every request it gets (headers and body, as sent) and answers as told:
//! 200, another status (500, 410, ...), or not at all (it hangs). And the Standard Webhooks
//! signature checked apart from the product's code: HMAC-SHA256 written out here after RFC 2104
//! over the `sha2` digest (the product signs with the `hmac` crate), and held to the
//! specification's published example.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use base64::Engine;
use sha2::{Digest, Sha256};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

/// How the receiver answers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Answer {
    /// `200 OK`.
    Ok,
    /// This status (500, 410, 302 with a `Location`, ...).
    Status(u16),
    /// Nothing: it reads the request and never answers.
    Hang,
}

/// One request as the receiver got it.
#[derive(Debug, Clone)]
pub struct Received {
    /// The request's path.
    pub path: String,
    /// Its headers, names in lower case.
    pub headers: HashMap<String, String>,
    /// Its body, as sent.
    pub body: String,
    /// When it arrived.
    pub at: chrono::DateTime<chrono::Utc>,
}

impl Received {
    /// A header's value.
    pub fn header(&self, name: &str) -> &str {
        self.headers.get(name).map_or("", String::as_str)
    }

    /// The body as JSON.
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.body).unwrap_or_else(|e| panic!("the body is no JSON ({e}): {}", self.body))
    }

    /// Whether the `webhook-signature` carries a valid signature by `secret` (`whsec_…`) of the
    /// `webhook-id`, `webhook-timestamp` and body as received.
    pub fn verify(&self, secret: &str) -> Result<(), String> {
        verify(
            secret,
            self.header("webhook-id"),
            self.header("webhook-timestamp"),
            &self.body,
            self.header("webhook-signature"),
        )
    }
}

/// HMAC-SHA256 (RFC 2104), written out: H((K ^ opad) || H((K ^ ipad) || message)).
pub fn hmac_sha256(key: &[u8], message: &[u8]) -> [u8; 32] {
    const BLOCK: usize = 64;
    let mut k = [0u8; BLOCK];
    if key.len() > BLOCK {
        k[..32].copy_from_slice(&Sha256::digest(key));
    } else {
        k[..key.len()].copy_from_slice(key);
    }
    let pad = |byte: u8| k.map(|b| b ^ byte);
    let inner = Sha256::new().chain_update(pad(0x36)).chain_update(message).finalize();
    Sha256::new().chain_update(pad(0x5c)).chain_update(inner).finalize().into()
}

/// Checks a Standard Webhooks signature header (`v1,<base64> v1,<base64> …`) against `secret`.
pub fn verify(secret: &str, id: &str, timestamp: &str, body: &str, signatures: &str) -> Result<(), String> {
    let key = secret.strip_prefix("whsec_").ok_or("the secret does not begin with whsec_")?;
    let key = base64::engine::general_purpose::STANDARD.decode(key).map_err(|e| format!("the secret: {e}"))?;
    if id.is_empty() || timestamp.parse::<i64>().is_err() {
        return Err(format!("webhook-id {id:?} or webhook-timestamp {timestamp:?} missing or wrong"));
    }
    let expected = base64::engine::general_purpose::STANDARD
        .encode(hmac_sha256(&key, format!("{id}.{timestamp}.{body}").as_bytes()));
    let found = signatures.split(' ').filter_map(|s| s.strip_prefix("v1,")).any(|s| s == expected);
    if found { Ok(()) } else { Err(format!("no v1 signature in {signatures:?} matches {expected:?}")) }
}

/// The receiver.
#[derive(Clone)]
pub struct Receiver {
    port: u16,
    answer: Arc<Mutex<Answer>>,
    received: Arc<Mutex<Vec<Received>>>,
}

impl Receiver {
    /// Starts a receiver that answers 200.
    pub async fn start() -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let receiver =
            Receiver { port, answer: Arc::new(Mutex::new(Answer::Ok)), received: Arc::new(Mutex::new(Vec::new())) };
        let r = receiver.clone();
        tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                let r = r.clone();
                tokio::spawn(async move { r.serve(stream).await });
            }
        });
        receiver
    }

    /// `http://127.0.0.1:PORT/hook`.
    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}/hook", self.port)
    }

    /// Its port.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// Answers as told from now on.
    pub fn answer(&self, answer: Answer) {
        *self.answer.lock().unwrap() = answer;
    }

    /// Every request so far, first to last.
    pub fn received(&self) -> Vec<Received> {
        self.received.lock().unwrap().clone()
    }

    async fn serve(&self, mut stream: tokio::net::TcpStream) {
        let mut data = Vec::new();
        let mut buf = [0u8; 8192];
        let head_end = loop {
            let Ok(n) = stream.read(&mut buf).await else { return };
            if n == 0 {
                return;
            }
            data.extend_from_slice(&buf[..n]);
            if let Some(i) = data.windows(4).position(|w| w == b"\r\n\r\n") {
                break i + 4;
            }
        };
        let head = String::from_utf8_lossy(&data[..head_end]).into_owned();
        let mut lines = head.split("\r\n");
        let path = lines.next().unwrap_or_default().split(' ').nth(1).unwrap_or_default().to_owned();
        let headers: HashMap<String, String> = lines
            .filter_map(|l| l.split_once(':'))
            .map(|(k, v)| (k.trim().to_ascii_lowercase(), v.trim().to_owned()))
            .collect();
        let length: usize = headers.get("content-length").and_then(|l| l.parse().ok()).unwrap_or(0);
        while data.len() < head_end + length {
            let Ok(n) = stream.read(&mut buf).await else { return };
            if n == 0 {
                break;
            }
            data.extend_from_slice(&buf[..n]);
        }
        let body = String::from_utf8_lossy(&data[head_end..(head_end + length).min(data.len())]).into_owned();
        self.received.lock().unwrap().push(Received { path, headers, body, at: chrono::Utc::now() });
        let answer = *self.answer.lock().unwrap();
        let status = match answer {
            Answer::Hang => {
                tokio::time::sleep(Duration::from_secs(600)).await;
                return;
            }
            Answer::Ok => 200,
            Answer::Status(s) => s,
        };
        let extra = if (300..400).contains(&status) { "Location: http://127.0.0.1:9/elsewhere\r\n" } else { "" };
        let reply = format!("HTTP/1.1 {status} Whatever\r\n{extra}Content-Length: 0\r\nConnection: close\r\n\r\n");
        let _ = stream.write_all(reply.as_bytes()).await;
        let _ = stream.shutdown().await;
    }
}

#[cfg(test)]
mod tests {
    /// The example of the Standard Webhooks specification (and of Svix's documentation).
    #[test]
    fn the_signature_check_agrees_with_the_specifications_example() {
        let body = r#"{"test": 2432232314}"#;
        let (secret, id, ts) = ("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", "msg_p5jXN8AQM9LWM0D4loKWxJek", "1614265330");
        let signature = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=";
        assert_eq!(super::verify(secret, id, ts, body, signature), Ok(()));
        assert_eq!(super::verify(secret, id, ts, body, &format!("v1,bm90IGl0 {signature}")), Ok(()));
        assert!(super::verify(secret, id, "1614265331", body, signature).is_err());
        assert!(super::verify(secret, id, ts, r#"{"test": 2432232315}"#, signature).is_err());
    }
}
