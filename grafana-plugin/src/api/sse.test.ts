import { readSse, SseParser } from './sse';

describe('SseParser', () => {
  test('splits events across chunks, joins data lines, keeps ids and ignores comments', () => {
    const p = new SseParser();
    expect(p.push(': hello\nid: 1\nevent: progress\ndata: {"a"')).toEqual([]);
    expect(p.push(':1}\n\r\nid: 2\r\nevent: anomalies\r\ndata: x\r\ndata: y\r')).toEqual([
      { id: '1', event: 'progress', data: '{"a":1}' },
    ]);
    expect(p.push('\n\ndata: plain\n\n')).toEqual([
      { id: '2', event: 'anomalies', data: 'x\ny' },
      { id: '2', event: 'message', data: 'plain' },
    ]);
  });

  test('reads a streamed body to its end', async () => {
    const text = 'event: started\ndata: {}\n\nevent: completed\ndata: {"status":"completed"}';
    const bytes = new TextEncoder().encode(text);
    const body = new ReadableStream<Uint8Array>({
      start(c) {
        c.enqueue(bytes.slice(0, 17));
        c.enqueue(bytes.slice(17));
        c.close();
      },
    });
    const events = [];
    for await (const e of readSse(body)) {
      events.push(e.event);
    }
    expect(events).toEqual(['started', 'completed']);
  });
});
