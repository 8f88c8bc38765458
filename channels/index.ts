/** The explicit list of channel kinds this build knows. Adding a kind = one line here. */
import type { ChannelDefinition } from '../src/channel/contract.js';
import { emailChannel } from './email/index.js';
import { webformChannel } from './webform/index.js';
import { whatsappCloudChannel } from './whatsapp-cloud/index.js';
import { whatsappChannel } from './whatsapp/index.js';

export const channelDefinitions: ReadonlyArray<ChannelDefinition<any>> = [
  emailChannel,
  whatsappChannel,
  whatsappCloudChannel,
  webformChannel,
];
