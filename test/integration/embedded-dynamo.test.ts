import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startEmbeddedDynamo } from '../../local/dynalite';
import { LockedError } from '../../local/lock';

describe('embedded DynamoDB with a data folder', () => {
  it('keeps its data across a restart, and one process at a time opens the folder', async () => {
    const path = join(mkdtempSync(join(tmpdir(), 'mcp-gate-dynamo-')), 'dynamodb');
    const first = await startEmbeddedDynamo({ path, tableName: 'keys' });
    await first.store.create({
      keyId: 'key_0000000000000001',
      server: 'demo-apikey',
      label: 'kept',
      hint: 'mcpg_…abcd',
      status: 'active',
      createdAt: new Date(0).toISOString(),
      digest: 'a'.repeat(64),
    });

    // A second opener fails with the holder named, instead of breaking the open database.
    const second = startEmbeddedDynamo({ path, tableName: 'keys' });
    await expect(second).rejects.toThrow(LockedError);
    await expect(second).rejects.toThrow(`pid ${process.pid}, ${first.endpoint}`);

    await first.close();
    const again = await startEmbeddedDynamo({ path, tableName: 'keys' });
    try {
      expect((await again.store.list()).map((key) => key.label)).toEqual(['kept']);
    } finally {
      await again.close();
    }
  });
});
