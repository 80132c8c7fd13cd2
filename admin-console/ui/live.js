// A graphql-transport-ws client: one WebSocket per subscription, authenticated in
// connection_init, answering pings, and reconnecting with backoff when the gateway or a
// subgraph goes away (the subscription restarts and the view gets a fresh value).

const PROTOCOL = 'graphql-transport-ws';

export function subscribe({ query, variables = {}, token, onData, onError, onStatus }) {
  const url = `${window.location.protocol === 'https:' ? 'wss:' : 'ws:'}//${window.location.host}/graphql`;
  let socket = null;
  let stopped = false;
  let retries = 0;
  let timer = null;

  const status = (value) => onStatus && onStatus(value);

  function open() {
    status('conectando');
    socket = new WebSocket(url, PROTOCOL);
    socket.addEventListener('open', () => {
      const payload = token ? { Authorization: `Bearer ${token}` } : {};
      socket.send(JSON.stringify({ type: 'connection_init', payload }));
    });
    socket.addEventListener('message', (event) => {
      let message;
      try {
        message = JSON.parse(event.data);
      } catch {
        return;
      }
      switch (message.type) {
        case 'connection_ack':
          retries = 0;
          status('en vivo');
          socket.send(JSON.stringify({ id: '1', type: 'subscribe', payload: { query, variables } }));
          break;
        case 'next':
          if (message.payload.errors && onError) onError(message.payload.errors);
          if (message.payload.data) onData(message.payload.data);
          break;
        case 'error':
          if (onError) onError(message.payload);
          break;
        case 'ping':
          socket.send(JSON.stringify({ type: 'pong' }));
          break;
        case 'complete':
          // The server ended the stream (a subgraph restarted, say): start again.
          socket.close(1000);
          break;
        default:
          break;
      }
    });
    socket.addEventListener('close', (event) => {
      if (stopped) return;
      if (event.code === 4401 || event.code === 4403) {
        status('sin autorización');
        if (onError) onError([{ message: event.reason || 'Sin autorización para suscribirse' }]);
        return;
      }
      retries += 1;
      const wait = Math.min(10000, 500 * 2 ** Math.min(retries, 5));
      status('reconectando');
      timer = window.setTimeout(open, wait);
    });
  }

  open();
  return () => {
    stopped = true;
    window.clearTimeout(timer);
    if (socket && socket.readyState <= WebSocket.OPEN) {
      if (socket.readyState === WebSocket.OPEN) socket.send(JSON.stringify({ id: '1', type: 'complete' }));
      socket.close(1000);
    }
  };
}
