// An SMTP server for the browser suite: accepts every message and keeps each as an .eml file in
// the folder given, so the suite reads what the worker really sent over SMTP.
// Usage: node smtp-sink.mjs PORT DIR
import { createServer } from "node:net";
import { writeFileSync, mkdirSync } from "node:fs";
import { join } from "node:path";

const [port, dir] = process.argv.slice(2);
mkdirSync(dir, { recursive: true });
let count = 0;

createServer((socket) => {
  let buffer = "";
  let inData = false;
  let message = [];
  const reply = (line) => socket.write(line + "\r\n");
  reply("220 sink ESMTP");
  socket.on("data", (chunk) => {
    buffer += chunk.toString("latin1");
    let at;
    while ((at = buffer.indexOf("\r\n")) >= 0) {
      const line = buffer.slice(0, at);
      buffer = buffer.slice(at + 2);
      if (inData) {
        if (line === ".") {
          inData = false;
          count += 1;
          writeFileSync(join(dir, `${String(count).padStart(4, "0")}.eml`), Buffer.from(message.join("\r\n") + "\r\n", "latin1"));
          message = [];
          reply("250 OK kept");
        } else {
          message.push(line.startsWith("..") ? line.slice(1) : line);
        }
        continue;
      }
      const verb = line.slice(0, 4).toUpperCase();
      if (verb === "EHLO") {
        reply("250-sink");
        reply("250 8BITMIME");
      } else if (verb === "HELO" || verb === "MAIL" || verb === "RCPT" || verb === "RSET" || verb === "NOOP") {
        reply("250 OK");
      } else if (verb === "DATA") {
        inData = true;
        reply("354 go on");
      } else if (verb === "QUIT") {
        reply("221 bye");
        socket.end();
      } else {
        reply("502 not here");
      }
    }
  });
  socket.on("error", () => {});
}).listen(Number(port), "127.0.0.1");
