import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { createApiClient } from './api/client.js';
import { ApiProvider } from './api/context.js';
import { connectLiveStore } from './api/live-store.js';
import { App } from './app/App.js';
import { GatewaysProvider } from './features/gateways/gateways-context.js';
import { SignInProvider } from './features/sign-in/sign-in-context.js';
import './styles/tokens.css';
import './ui/ui.css';

const api = createApiClient();
const live = connectLiveStore(api);
const root = document.getElementById('root');
if (!root) throw new Error('index.html has no #root element');

createRoot(root).render(
  <StrictMode>
    <ApiProvider value={{ api, live }}>
      <SignInProvider>
        <GatewaysProvider>
          <App />
        </GatewaysProvider>
      </SignInProvider>
    </ApiProvider>
  </StrictMode>,
);
