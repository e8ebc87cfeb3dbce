import { useCallback, useEffect, useState } from 'react';
import { useApi } from './context.js';
import { toApiError } from './errors.js';
import type { ApiError, CommandInput, CommandName, CommandOutput, Envelope } from './types.js';

export interface Query<T> {
  /** The last result for this same input, kept while a reload runs. */
  data?: T;
  error?: ApiError;
  loading: boolean;
  reload(): void;
}

interface QueryState<T> {
  inputKey?: string;
  fetchKey?: string;
  data?: T;
  error?: ApiError;
}

/**
 * Runs a read-only command on mount and again when its input or `revision` changes (pass the
 * live state's revision to refetch after missed events).
 */
export function useQuery<C extends CommandName>(
  command: C,
  input: CommandInput<C>,
  revision = 0,
): Query<CommandOutput<C>> {
  const api = useApi();
  const [reloads, setReloads] = useState(0);
  const [state, setState] = useState<QueryState<CommandOutput<C>>>({});
  const inputKey = JSON.stringify([command, input]);
  const fetchKey = `${inputKey}#${revision}#${reloads}`;

  useEffect(() => {
    let current = true;
    const [name, parsedInput] = JSON.parse(inputKey) as [C, CommandInput<C>];
    api.call(name, parsedInput).then(
      (data) => current && setState({ inputKey, fetchKey, data }),
      (error: unknown) => current && setState({ inputKey, fetchKey, error: toApiError(error) }),
    );
    return () => {
      current = false;
    };
  }, [api, inputKey, fetchKey]);

  const sameInput = state.inputKey === inputKey;
  return {
    data: sameInput ? state.data : undefined,
    error: sameInput ? state.error : undefined,
    loading: state.fetchKey !== fetchKey,
    reload: useCallback(() => setReloads((count) => count + 1), []),
  };
}

export interface Action<C extends CommandName> {
  pending: boolean;
  result?: CommandOutput<C>;
  error?: ApiError;
  /** Never rejects: resolves to the result or the error, which `error` then holds too. */
  run(input: CommandInput<C>): Promise<Envelope<CommandOutput<C>>>;
  reset(): void;
}

interface ActionState<T> {
  pending: boolean;
  result?: T;
  error?: ApiError;
}

/** A command a person triggers: its pending state, its result, and its error as an ApiError. */
export function useAction<C extends CommandName>(command: C): Action<C> {
  const api = useApi();
  const [state, setState] = useState<ActionState<CommandOutput<C>>>({ pending: false });

  const run = useCallback(
    async (input: CommandInput<C>): Promise<Envelope<CommandOutput<C>>> => {
      setState({ pending: true });
      try {
        const result = await api.call(command, input);
        setState({ pending: false, result });
        return { result };
      } catch (failure) {
        const error = toApiError(failure);
        setState({ pending: false, error });
        return { error };
      }
    },
    [api, command],
  );
  const reset = useCallback(() => setState({ pending: false }), []);
  return { ...state, run, reset };
}
