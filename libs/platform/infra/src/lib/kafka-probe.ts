import { Socket } from 'node:net';

/** What a broker says about its cluster in a Metadata response. */
export interface ProbedCluster {
  readonly clusterId: string | null;
  readonly brokers: readonly ProbedBroker[];
}

/** A broker as listed in a Kafka Metadata response. */
export interface ProbedBroker {
  readonly nodeId: number;
  readonly host: string;
  readonly port: number;
}

const METADATA_API_KEY = 3;
// Metadata v4 is the newest non-flexible version and is still served by Kafka 4.x
// (KIP-896 removed v0-v3), so this probe works against both 3.9 and 4.x brokers.
const METADATA_VERSION = 4;
const CLIENT_ID = 'infra-probe';

/**
 * Asks a broker for cluster metadata over the raw Kafka protocol and returns the cluster id
 * and the brokers it lists. Readiness of a local broker means "it answered a Metadata request and lists itself",
 * checked without a Kafka client library (kafkajs lives behind libs/platform/messaging only).
 */
export async function probeKafkaMetadata(
  host: string,
  port: number,
  timeoutMs = 2_000,
): Promise<ProbedCluster> {
  const request = encodeMetadataRequest(1);
  const response = await roundTrip(host, port, request, timeoutMs);
  return decodeMetadata(response, 1);
}

function encodeMetadataRequest(correlationId: number): Buffer {
  const clientId = Buffer.from(CLIENT_ID, 'utf8');
  const body = Buffer.alloc(2 + 2 + 4 + 2 + clientId.length + 4 + 1);
  let offset = 0;
  offset = body.writeInt16BE(METADATA_API_KEY, offset);
  offset = body.writeInt16BE(METADATA_VERSION, offset);
  offset = body.writeInt32BE(correlationId, offset);
  offset = body.writeInt16BE(clientId.length, offset);
  offset += clientId.copy(body, offset);
  offset = body.writeInt32BE(0, offset); // no topics: we only want the broker list
  body.writeInt8(0, offset); // allow_auto_topic_creation = false
  const frame = Buffer.alloc(4 + body.length);
  frame.writeInt32BE(body.length, 0);
  body.copy(frame, 4);
  return frame;
}

function decodeMetadata(frame: Buffer, correlationId: number): ProbedCluster {
  let offset = 0;
  const readInt32 = (): number => {
    const value = frame.readInt32BE(offset);
    offset += 4;
    return value;
  };
  const readString = (): string | null => {
    const length = frame.readInt16BE(offset);
    offset += 2;
    if (length < 0) return null;
    const value = frame.toString('utf8', offset, offset + length);
    offset += length;
    return value;
  };
  if (readInt32() !== correlationId)
    throw new Error('Metadata response has a foreign correlation id');
  readInt32(); // throttle_time_ms
  const count = readInt32();
  const brokers: ProbedBroker[] = [];
  for (let i = 0; i < count; i += 1) {
    const nodeId = readInt32();
    const host = readString() ?? '';
    const port = readInt32();
    readString(); // rack
    brokers.push({ nodeId, host, port });
  }
  return { clusterId: readString(), brokers };
}

function roundTrip(
  host: string,
  port: number,
  request: Buffer,
  timeoutMs: number,
): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const socket = new Socket();
    const chunks: Buffer[] = [];
    let received = 0;
    const fail = (error: Error): void => {
      socket.destroy();
      reject(error);
    };
    socket.setTimeout(timeoutMs, () => {
      fail(new Error(`no Metadata answer from ${host}:${port} within ${timeoutMs} ms`));
    });
    socket.once('error', fail);
    socket.on('data', (chunk: Buffer) => {
      chunks.push(chunk);
      received += chunk.length;
      if (received < 4) return;
      const all = Buffer.concat(chunks);
      const size = all.readInt32BE(0);
      if (all.length >= 4 + size) {
        socket.destroy();
        resolve(all.subarray(4, 4 + size));
      }
    });
    socket.once('close', () => {
      reject(new Error(`connection to ${host}:${port} closed before a Metadata answer`));
    });
    socket.connect(port, host, () => {
      socket.write(request);
    });
  });
}
