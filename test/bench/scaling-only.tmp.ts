import { benchWorkerScaling } from './worker-scaling.ts';
for (const name of ['HTTP_PROXY', 'HTTPS_PROXY', 'http_proxy', 'https_proxy']) delete process.env[name];
const records = Number(process.argv[2] ?? 2000);
const jobsPerWorker = Number(process.argv[3] ?? 2);
const result = await benchWorkerScaling({ databaseUrl: 'postgres://postgres@127.0.0.1:5432/test', redisUrl: 'redis://127.0.0.1:6379', recordsPerObject: records, jobsPerWorker });
console.log(JSON.stringify(result));
process.exit(0);
