// A database password is never printed (`db status`, errors): every form of it in a URL or connection
// string is redacted — user:pass@, ?password= / &password= / sslpassword= parameters, key=value
// connection strings (libpq, https://www.postgresql.org/docs/current/libpq-connect.html#LIBPQ-CONNSTRING).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { describeLocation, redactSecrets, redactUrl, resolveStoreLocation } from '../../src/store/index.js';

const SECRET = 'hunter2';

test('redactUrl: every form of a PostgreSQL password is replaced by ***', () => {
  const cases: Array<[string, string]> = [
    ['postgres://u:hunter2@h/db', 'postgres://u:***@h/db'],
    ['postgresql://:hunter2@h:5432/db', 'postgresql://:***@h:5432/db'],
    ['postgres://u:hun@ter2@h/db', 'postgres://u:***@h/db'],
    ['postgres://u:hunter2%40x@h/db', 'postgres://u:***@h/db'],
    ['postgres://u@h/db?password=hunter2', 'postgres://u@h/db?password=***'],
    [
      'postgres://u@h/db?sslmode=require&password=hunter2&x=1',
      'postgres://u@h/db?sslmode=require&password=***&x=1',
    ],
    ['postgres://u@h/db?PASSWORD=hunter2', 'postgres://u@h/db?PASSWORD=***'],
    ['postgres://u@h/db?sslpassword=hunter2', 'postgres://u@h/db?sslpassword=***'],
    ['postgres://u:a@h/db?password=hunter2', 'postgres://u:***@h/db?password=***'],
    ["host=h user=u password='hunter2 x' dbname=d", 'host=h user=u password=*** dbname=d'],
    ['host=h password=hunter2', 'host=h password=***'],
    ['postgres://u@h/db', 'postgres://u@h/db'],
    ['postgres://h:5432/db?application_name=x', 'postgres://h:5432/db?application_name=x'],
  ];
  for (const [url, want] of cases) {
    const got = redactUrl(url);
    assert.equal(got, want, url);
    assert.ok(!got.includes(SECRET) && !got.includes('ter2'), got);
  }
});

test('describeLocation (what db status prints) and errors never contain the password', () => {
  const loc = resolveStoreLocation({ url: `postgres://u@h/db?password=${SECRET}` });
  assert.ok(!describeLocation(loc).includes(SECRET));
  assert.throws(
    () => resolveStoreLocation({ url: `mysql://u@h/db?password=${SECRET}` }),
    (e: Error) => !e.message.includes(SECRET),
  );
  assert.equal(
    redactSecrets(`auth failed for hunter2@x (hun%74er2)`, `postgres://u:hun%74er2@h/db`),
    'auth failed for ***@x (***)',
  );
});
