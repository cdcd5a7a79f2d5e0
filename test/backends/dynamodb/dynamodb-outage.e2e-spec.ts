import { describeSessionStoreOutage } from '../../../lib/testing';
import { APP_PLATFORMS } from '../../utils/platforms';
import { dynamoDBLocalOptions, startDynamoDBLocal } from '../../utils/dynamodb-local';

jest.setTimeout(90_000);

// A dedicated in-memory DynamoDB Local, stopped and restarted by the test: the
// restarted one has no table, and the store creates it again on the next call.
describeSessionStoreOutage('dynamodb', {
  start: (port) => startDynamoDBLocal(port),
  options: (port) => ({ type: 'dynamodb', ...dynamoDBLocalOptions(port) }),
  recoveryMs: 0,
  platforms: APP_PLATFORMS,
});
