//! A real SMTP server for tests, on 127.0.0.1 and a free port: it speaks enough of RFC 5321
//! for lettre (EHLO, MAIL, RCPT, DATA with dot-unstuffing, RSET, NOOP, QUIT), keeps what it
//! receives, and can be told to refuse mail, as a broken or overloaded server does.

use std::sync::{Arc, Mutex};

use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpListener;

/// A message as received.
#[derive(Debug, Clone)]
pub struct Received {
    /// The envelope sender.
    pub from: String,
    /// The envelope recipients.
    pub to: Vec<String>,
    /// The message, as sent after DATA.
    pub data: Vec<u8>,
}

/// How the server behaves.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// Accept every message.
    Accept,
    /// Refuse every message at DATA with a temporary error (451).
    RefuseTemporarily,
    /// Refuse every message at DATA with a permanent error (554).
    RefusePermanently,
    /// Greet, then say nothing more (a server that hangs).
    Stall,
    /// Close the connection in the middle of the message.
    CloseMidSession,
    /// Accept every message, but take 300 ms to answer each.
    Slow,
    /// Receive and keep every message, then close the connection instead of answering 250: the
    /// server has the message, the client never learns it.
    LoseReply,
    /// Refuse every recipient: "550 5.1.1 no such user".
    RefuseMailbox,
}

/// A running test SMTP server.
#[derive(Clone)]
pub struct SmtpServer {
    /// `smtp://127.0.0.1:PORT`.
    pub url: String,
    received: Arc<Mutex<Vec<Received>>>,
    mode: Arc<Mutex<Mode>>,
}

impl SmtpServer {
    /// Starts a server on a free port.
    pub async fn start() -> Self {
        Self::start_on(0).await
    }

    /// A free port on 127.0.0.1 where nothing listens (yet): connecting is refused.
    pub fn free_port() -> u16 {
        std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
    }

    /// Starts a server on `port` (0: a free one).
    pub async fn start_on(port: u16) -> Self {
        let listener = TcpListener::bind(("127.0.0.1", port)).await.unwrap();
        let url = format!("smtp://{}", listener.local_addr().unwrap());
        let server = Self { url, received: Arc::default(), mode: Arc::new(Mutex::new(Mode::Accept)) };
        let handle = server.clone();
        tokio::spawn(async move {
            while let Ok((socket, _)) = listener.accept().await {
                let handle = handle.clone();
                tokio::spawn(async move {
                    let _ = handle.session(socket).await;
                });
            }
        });
        server
    }

    /// Changes how the server behaves from now on.
    pub fn set_mode(&self, mode: Mode) {
        *self.mode.lock().unwrap() = mode;
    }

    /// Everything received so far.
    pub fn received(&self) -> Vec<Received> {
        self.received.lock().unwrap().clone()
    }

    async fn session(&self, socket: tokio::net::TcpStream) -> std::io::Result<()> {
        let (read, mut write) = socket.into_split();
        let mut lines = BufReader::new(read);
        write.write_all(b"220 test.smtp ESMTP ready\r\n").await?;

        let (mut from, mut to) = (String::new(), Vec::new());
        let mut line = String::new();
        loop {
            line.clear();
            if lines.read_line(&mut line).await? == 0 {
                return Ok(());
            }
            let command = line.trim_end().to_owned();
            // The mode is read at every command, so that a pooled connection follows changes.
            let mode = *self.mode.lock().unwrap();
            if mode == Mode::Stall {
                tokio::time::sleep(std::time::Duration::from_secs(3600)).await;
                return Ok(());
            }
            let verb = command.split_whitespace().next().unwrap_or_default().to_ascii_uppercase();
            let reply: &[u8] = match verb.as_str() {
                "EHLO" | "HELO" => b"250-test.smtp\r\n250 8BITMIME\r\n",
                "MAIL" => {
                    from = command
                        .split_once(':')
                        .map(|(_, a)| a.trim().trim_matches(['<', '>']).to_owned())
                        .unwrap_or_default();
                    to.clear();
                    b"250 OK\r\n"
                }
                "RCPT" if mode == Mode::RefuseMailbox => b"550 5.1.1 No such user here\r\n",
                "RCPT" => {
                    to.push(
                        command
                            .split_once(':')
                            .map(|(_, a)| a.trim().trim_matches(['<', '>']).to_owned())
                            .unwrap_or_default(),
                    );
                    b"250 OK\r\n"
                }
                "DATA" => {
                    if mode == Mode::CloseMidSession {
                        return Ok(());
                    }
                    write.write_all(b"354 End data with <CR><LF>.<CR><LF>\r\n").await?;
                    let mut data = Vec::new();
                    loop {
                        line.clear();
                        if lines.read_line(&mut line).await? == 0 {
                            return Ok(());
                        }
                        if line == ".\r\n" || line == ".\n" {
                            break;
                        }
                        let unstuffed = line.strip_prefix('.').filter(|_| line.starts_with("..")).unwrap_or(&line);
                        data.extend_from_slice(unstuffed.as_bytes());
                    }
                    let mode = *self.mode.lock().unwrap();
                    if mode == Mode::Slow {
                        tokio::time::sleep(std::time::Duration::from_millis(300)).await;
                    }
                    if mode == Mode::RefuseTemporarily {
                        b"451 4.3.0 Try again later\r\n"
                    } else if mode == Mode::RefusePermanently {
                        b"554 5.7.1 Relaying denied\r\n"
                    } else {
                        self.received.lock().unwrap().push(Received { from: from.clone(), to: to.clone(), data });
                        if mode == Mode::LoseReply {
                            return Ok(());
                        }
                        b"250 OK queued\r\n"
                    }
                }
                "QUIT" => {
                    write.write_all(b"221 Bye\r\n").await?;
                    return Ok(());
                }
                _ => b"250 OK\r\n",
            };
            write.write_all(reply).await?;
        }
    }
}
