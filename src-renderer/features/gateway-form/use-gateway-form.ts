import { useMemo, useState } from 'react';
import type { GatewayDraft } from '../../../src-main/core/api/routes.js';
import type { ApiError, GatewayView } from '../../api/types.js';
import { useAction } from '../../api/use-command.js';
import {
  EMPTY_FORM,
  fieldOfError,
  formFromDraft,
  formFromGateway,
  gatewayFromForm,
  gatewayPatchFromForm,
  suggestName,
  validateForm,
  type FieldErrors,
  type FormField,
  type FormValues,
} from './form-model.js';

/** The keychain's secret for an edited gateway: none, kept as is, or removed when saved. */
export type StoredSecret = 'none' | 'kept' | 'removed-on-save';

export interface FieldBinding<K extends FormField> {
  value: FormValues[K];
  error?: string;
  onChange(value: FormValues[K]): void;
  onBlur(): void;
}

/** What the form starts from: a gateway to edit, a link's draft to add, or nothing. */
export interface FormStart {
  existing?: GatewayView;
  draft?: GatewayDraft;
}

function initialValues({ existing, draft }: FormStart): FormValues {
  if (existing) return formFromGateway(existing.gateway);
  return draft ? formFromDraft(draft) : EMPTY_FORM;
}

/** The state of the add/edit form: values, which errors to show, saving and discovery. */
export function useGatewayForm(start: FormStart, onSaved: (view: GatewayView) => void) {
  const { existing } = start;
  const [values, setValues] = useState<FormValues>(() => initialValues(start));
  const [touched, setTouched] = useState<ReadonlySet<FormField>>(new Set());
  const [submitted, setSubmitted] = useState(0);
  const [serverErrors, setServerErrors] = useState<FieldErrors>({});
  const [formError, setFormError] = useState<ApiError>();
  // A name given by the gateway or the link stays when the URL changes; a suggested one follows it.
  const [nameEdited, setNameEdited] = useState(
    existing !== undefined || start.draft?.name !== undefined,
  );
  const [removeSecret, setRemoveSecret] = useState(false);
  const add = useAction('gateways.add');
  const update = useAction('gateways.update');
  const discovery = useAction('gateways.discover');
  const storedSecret: StoredSecret = !existing?.hasClientSecret
    ? 'none'
    : removeSecret
      ? 'removed-on-save'
      : 'kept';
  const hasStoredSecret = storedSecret === 'kept';

  const errors = useMemo(() => validateForm(values, hasStoredSecret), [values, hasStoredSecret]);
  const shownError = (field: FormField): string | undefined =>
    serverErrors[field] ?? (submitted > 0 || touched.has(field) ? errors[field] : undefined);

  const set = <K extends keyof FormValues>(field: K, value: FormValues[K]) => {
    setValues((current) => {
      const next = { ...current, [field]: value };
      if (field === 'url' && !nameEdited) next.name = suggestName(String(value));
      return next;
    });
    if (field === 'name') setNameEdited(true);
    setServerErrors(({ [field as FormField]: _cleared, ...rest }) => rest);
  };

  const bind = <K extends FormField>(field: K): FieldBinding<K> => ({
    value: values[field],
    error: shownError(field),
    onChange: (value) => set(field, value),
    onBlur: () => setTouched((current) => new Set(current).add(field)),
  });

  const showServerError = (error: ApiError) => {
    const field = fieldOfError(error);
    if (field)
      setServerErrors({ [field]: error.hint ? `${error.message} ${error.hint}` : error.message });
    else setFormError(error);
  };

  const secretInput = () => {
    const idToken =
      values.auth === 'cross_app' && values.idToken ? { idToken: values.idToken } : {};
    if (values.clientSecret && values.auth !== 'none')
      return { clientSecret: values.clientSecret, ...idToken };
    return removeSecret ? { clientSecret: '', ...idToken } : idToken;
  };

  const save = async () => {
    setSubmitted((count) => count + 1);
    setFormError(undefined);
    if (Object.keys(errors).length > 0) return;
    const outcome = existing
      ? await update.run({
          name: existing.gateway.name,
          patch: gatewayPatchFromForm(values),
          ...secretInput(),
        })
      : await add.run({ gateway: gatewayFromForm(values), ...secretInput() });
    if ('result' in outcome) onSaved(outcome.result);
    else showServerError(outcome.error);
  };

  const discover = async () => {
    setTouched((current) => new Set(current).add('url'));
    if (errors.url) return;
    // Discovery needs no name; the instance names the draft itself.
    const { name: _name, ...draft } = gatewayFromForm(values);
    await discovery.run({ gateway: draft });
  };

  return {
    values,
    errors,
    bind,
    set,
    save,
    saving: add.pending || update.pending,
    submitted,
    formError,
    discover,
    discovery,
    storedSecret,
    setRemoveSecret,
  };
}

export type GatewayFormState = ReturnType<typeof useGatewayForm>;
