// Starts a local Bluesky network (PLC + PDS + AppView, from @atproto/dev-env) for
// socialgood's collector tests, prints one JSON line {"appview", "pds", "plc"} when it
// is ready, and stays up until its standard input closes or it gets SIGTERM/SIGINT.
//
// Needs DB_POSTGRES_URL (postgresql://user@host:port/db) and REDIS_HOST (host:port).
// Ports are free ones unless BSKY_NETWORK_PORTS="plc,pds,appview" fixes them.
// Each start uses its own PostgreSQL schemas (letters only: one service refuses
// digits) and drops them on the way out, so runs never see each other's posts.
import { randomInt } from 'node:crypto'
import { TestNetwork } from '@atproto/dev-env'
import pg from 'pg'

const say = (message) => process.stderr.write(`bsky-network: ${message}\n`)

for (const name of ['DB_POSTGRES_URL', 'REDIS_HOST']) {
  if (!process.env[name]) {
    say(`${name} is not set`)
    process.exit(2)
  }
}

const letters = 'abcdefghijklmnopqrstuvwxyz'
const schema = 'sg' + Array.from({ length: 10 }, () => letters[randomInt(26)]).join('')
const [plcPort, pdsPort, appviewPort] = (process.env.BSKY_NETWORK_PORTS || '')
  .split(',')
  .map((port) => (port ? Number(port) : undefined))

// dev-env spreads these objects over its defaults: a key set to undefined would win
const port = (value) => (value ? { port: value } : {})
const network = await TestNetwork.create({
  dbPostgresSchema: schema,
  plc: port(plcPort),
  pds: { ...port(pdsPort), hostname: 'localhost' },
  bsky: port(appviewPort),
})

let stopping = false
async function stop(reason) {
  if (stopping) return
  stopping = true
  say(`stopping (${reason})`)
  try {
    await network.close()
  } catch (error) {
    say(`close failed: ${error.message}`)
  }
  const client = new pg.Client({ connectionString: process.env.DB_POSTGRES_URL })
  try {
    await client.connect()
    for (const prefix of ['appview', 'bsync', 'ozone']) {
      await client.query(`DROP SCHEMA IF EXISTS ${prefix}_${schema} CASCADE`)
    }
  } catch (error) {
    say(`could not drop the schemas of ${schema}: ${error.message}`)
  } finally {
    await client.end().catch(() => {})
  }
  process.exit(0)
}

process.on('SIGTERM', () => stop('SIGTERM'))
process.on('SIGINT', () => stop('SIGINT'))
process.stdin.on('end', () => stop('stdin closed'))
process.stdin.on('close', () => stop('stdin closed'))
process.stdin.resume()

process.stdout.write(
  JSON.stringify({
    appview: network.bsky.url,
    pds: network.pds.url,
    plc: network.plc.url,
    schemas: ['appview', 'bsync', 'ozone'].map((prefix) => `${prefix}_${schema}`),
  }) + '\n',
)
