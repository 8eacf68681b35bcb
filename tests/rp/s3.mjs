// An S3-compatible server for tests/it/s3_storage.rs: s3rver (npm), which
// checks AWS Signature Version 4 against its account (S3RVER / S3RVER).
// Prints its base URL, serves until standard input closes.
import S3rver from "s3rver";

const dir = process.argv[2];
const server = new S3rver({
  address: "127.0.0.1",
  port: 0,
  directory: dir,
  silent: true,
  configureBuckets: [{ name: "passerelles" }],
});
const { port } = await server.run();
console.log(`http://127.0.0.1:${port}`);
process.stdin.resume();
process.stdin.on("end", async () => {
  await server.close();
  process.exit(0);
});
