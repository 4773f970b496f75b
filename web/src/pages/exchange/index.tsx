/**
 * The integration desk: the exchange per insurer, the message browser with a message's payload,
 * row issues, trail and replay, and the mismatch queue (which the back office works in too).
 */
import type { Area } from '../area';
import { Dashboard } from './Dashboard';
import { MessageDetail } from './MessageDetail';
import { Messages } from './Messages';
import { Mismatches } from './Mismatches';
import { texts } from './texts';

export const exchangeArea: Area = {
  name: 'exchange',
  texts,
  routes: [
    { path: 'exchange', element: <Dashboard />, permission: 'exchange.read' },
    { path: 'exchange/messages', element: <Messages />, permission: 'exchange.read' },
    { path: 'exchange/messages/:id', element: <MessageDetail />, permission: 'exchange.read' },
    { path: 'exchange/mismatches', element: <Mismatches />, permission: 'mismatches.read' },
  ],
  menu: [
    { path: 'exchange', label: 'menuDashboard', permission: 'exchange.read' },
    { path: 'exchange/messages', label: 'menuMessages', permission: 'exchange.read' },
    { path: 'exchange/mismatches', label: 'menuMismatches', permission: 'mismatches.read' },
  ],
};
