import { BigQuery, type BigQueryOptions } from '@google-cloud/bigquery';
import { PubSub, type ClientConfig } from '@google-cloud/pubsub';
import { Storage, type StorageOptions } from '@google-cloud/storage';
import { ProjectsClient } from '@google-cloud/resource-manager';
import { ServiceUsageClient } from '@google-cloud/service-usage';
import { v1 as dataformV1 } from '@google-cloud/dataform';
import { Logging } from '@google-cloud/logging';
import { GoogleAuth, type AuthClient } from 'google-auth-library';
import type { ClientOptions } from 'google-gax';
import { LogflowError } from '../core/errors.ts';
import { credentialsError } from './errors.ts';

/**
 * One set of Google Cloud clients for a command. In production every client uses Application
 * Default Credentials and Google's endpoints. Tests give loopback endpoints and an auth client
 * with a fixed token: HTTP for BigQuery, Storage, IAM, Resource Manager, Service Usage, Dataform
 * and Monitoring (the google-gax clients over their REST fallback), gRPC for Pub/Sub.
 */
export interface Endpoints {
  /** http://host:port of a loopback server for the HTTP APIs. */
  http?: string;
  /** host:port of a plain-gRPC Pub/Sub server. */
  pubsub?: string;
}

export interface Connection {
  projectId: string;
  endpoints?: Endpoints;
  authClient?: AuthClient;
}

export interface Clients {
  projectId: string;
  bigquery: BigQuery;
  pubsub: PubSub;
  storage: Storage;
  projects: ProjectsClient;
  serviceUsage: ServiceUsageClient;
  /** Dataform v1 (the package's default export is v1beta1). */
  dataform: dataformV1.DataformClient;
  /** Cloud Logging (Log Router sinks), over its REST fallback when endpoints are given. */
  logging: Logging;
  /** A REST call to an API without a client here (IAM service accounts, Monitoring). */
  rest<T>(api: 'iam' | 'monitoring', method: 'GET' | 'POST', path: string, body?: unknown): Promise<T>;
  authClient(): Promise<AuthClient>;
  close(): Promise<void>;
}

const SCOPES = ['https://www.googleapis.com/auth/cloud-platform'];

function gaxOptions(connection: Connection): ClientOptions {
  const http = connection.endpoints?.http;
  if (!http) return {};
  const url = new URL(http);
  return {
    apiEndpoint: url.hostname,
    port: Number(url.port),
    protocol: url.protocol.replace(':', ''),
    fallback: true,
    ...(connection.authClient ? { authClient: connection.authClient } : {}),
  } as ClientOptions;
}

export function connect(connection: Connection): Clients {
  const { projectId, endpoints } = connection;
  const auth = connection.authClient ? undefined : new GoogleAuth({ scopes: SCOPES, projectId });
  const authClient = async () => connection.authClient ?? (await auth!.getClient());
  const bqOptions: BigQueryOptions = { projectId };
  const storageOptions: StorageOptions = { projectId };
  if (endpoints?.http) {
    bqOptions.apiEndpoint = endpoints.http;
    storageOptions.apiEndpoint = endpoints.http;
  }
  if (connection.authClient) {
    bqOptions.authClient = connection.authClient as BigQueryOptions['authClient'];
    storageOptions.authClient = connection.authClient as unknown as StorageOptions['authClient'];
  }
  const pubsubOptions: ClientConfig = { projectId };
  if (endpoints?.pubsub)
    Object.assign(pubsubOptions, { apiEndpoint: endpoints.pubsub, emulatorMode: true, universeDomain: 'googleapis.com' });
  const gax = gaxOptions(connection);
  const clients: Clients = {
    projectId,
    bigquery: new BigQuery(bqOptions),
    pubsub: new PubSub(pubsubOptions),
    storage: new Storage(storageOptions),
    projects: new ProjectsClient(gax),
    serviceUsage: new ServiceUsageClient(gax),
    dataform: new dataformV1.DataformClient(gax),
    logging: new Logging({ projectId, ...gax } as ConstructorParameters<typeof Logging>[0]),
    authClient,
    async rest<T>(api: 'iam' | 'monitoring', method: 'GET' | 'POST', path: string, body?: unknown): Promise<T> {
      const base = endpoints?.http ?? `https://${api}.googleapis.com`;
      const client = await authClient();
      const response = await client.request<T>({
        url: `${base}${path}`,
        method,
        ...(body === undefined ? {} : { data: body }),
        retry: false,
      });
      return response.data;
    },
    async close() {
      await Promise.allSettled([clients.pubsub.close(), clients.projects.close(), clients.serviceUsage.close(), clients.dataform.close()]);
    },
  };
  return clients;
}

/**
 * Fails early, in one line, when there are no usable credentials (before anything is read).
 * Silences the metadata-server probe's warning, which is noise off Google Cloud.
 */
export async function checkCredentials(clients: Clients): Promise<void> {
  const emitWarning = process.emitWarning;
  process.emitWarning = ((warning: string | Error, ...rest: unknown[]) => {
    const type = typeof rest[0] === 'string' ? rest[0] : (rest[0] as { type?: string } | undefined)?.type;
    if (String(type ?? (warning as Error).name ?? '').includes('MetadataLookup')) return;
    (emitWarning as (...args: unknown[]) => void).call(process, warning, ...rest);
  }) as typeof process.emitWarning;
  try {
    const client = await clients.authClient();
    await client.getAccessToken();
  } catch (error) {
    if (error instanceof LogflowError) throw error;
    throw credentialsError(error);
  } finally {
    process.emitWarning = emitWarning;
  }
}
