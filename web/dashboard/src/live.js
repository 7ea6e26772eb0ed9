// Live updates: the API's Server-Sent Events (new incidents and findings, in the user's
// view). EventSource cannot send headers, so the token goes as ?access_token=, which the API
// accepts for this purpose. The browser reconnects by itself and sends Last-Event-ID, so
// events missed while the connection was down are replayed by the server.

export class Live {
  constructor({ onIncident, onFinding, onState }) {
    this.handlers = { onIncident, onFinding, onState };
    this.source = null;
  }

  start(token) {
    this.stop();
    const url = token ? `/api/v1/events?access_token=${encodeURIComponent(token)}` : "/api/v1/events";
    const source = new EventSource(url);
    this.source = source;
    source.onopen = () => this.handlers.onState("open");
    source.onerror = () => this.handlers.onState(source.readyState === EventSource.CLOSED ? "closed" : "connecting");
    source.addEventListener("incident", (e) => this.handlers.onIncident(JSON.parse(e.data)));
    source.addEventListener("finding", (e) => this.handlers.onFinding(JSON.parse(e.data)));
  }

  stop() {
    if (this.source) this.source.close();
    this.source = null;
  }
}
