// A WebSocket that reconnects with capped exponential backoff. `hello()` is called on every
// (re)connect to build the first message (e.g. the last acknowledged sequence number), so the
// server can replay what was missed while offline.

export class ReconnectingSocket {
  constructor(path, { onMessage, onState, hello } = {}) {
    this.path = path;
    this.onMessage = onMessage || (() => {});
    this.onState = onState || (() => {});
    this.hello = hello;
    this.delay = 500;
    this.closed = false;
    this.open();
  }

  url() {
    const scheme = location.protocol === "https:" ? "wss:" : "ws:";
    return `${scheme}//${location.host}${this.path}`;
  }

  open() {
    this.socket = new WebSocket(this.url());
    this.socket.onopen = () => {
      this.delay = 500;
      this.onState("online");
      if (this.hello) this.send(this.hello());
    };
    this.socket.onmessage = (event) => {
      let message;
      try {
        message = JSON.parse(event.data);
      } catch {
        return;
      }
      this.onMessage(message);
    };
    this.socket.onclose = () => {
      this.onState("offline");
      if (this.closed) return;
      setTimeout(() => this.open(), this.delay);
      this.delay = Math.min(this.delay * 2, 15000);
    };
    this.socket.onerror = () => this.socket.close();
  }

  send(message) {
    if (this.socket && this.socket.readyState === WebSocket.OPEN) {
      this.socket.send(JSON.stringify(message));
      return true;
    }
    return false;
  }

  close() {
    this.closed = true;
    if (this.socket) this.socket.close();
  }
}
