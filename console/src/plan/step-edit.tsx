/** Changing a step that has not started: its input or config (JSON, checked before sending), or removing it. */
import { useState } from "react";
import { useMutation } from "urql";
import { ModifyStep, RemoveStep } from "./intervention-documents.js";
import { Intervene, JsonField, parseJson, type Reported } from "./intervene.js";

interface EditProps {
  shown: boolean;
  planId: string;
  stepKey: string;
  version: number;
  onReport: (r: Reported) => void;
}

export function ModifyStepAction({ shown, planId, stepKey, version, input, onReport }: EditProps & { input: unknown }) {
  const [modified, modifyStep] = useMutation(ModifyStep);
  const [inputText, setInputText] = useState("");
  const [configText, setConfigText] = useState("");
  return (
    <Intervene
      shown={shown}
      label="Modify step"
      version={version}
      disabled={modified.fetching}
      onReport={onReport}
      description="Changes the step before it starts; the gateway checks the whole plan again and refuses a change that breaks it."
      onOpen={() => {
        setInputText(input === null || input === undefined ? "" : JSON.stringify(input, null, 2));
        setConfigText("");
      }}
      send={(reason, expectedVersion) => {
        const newInput = parseJson(inputText, "Input");
        if (newInput.error) return newInput.error;
        const config = parseJson(configText, "Config");
        if (config.error) return config.error;
        const patch = {
          ...(newInput.value !== undefined ? { input: newInput.value } : {}),
          ...(config.value !== undefined ? { config: config.value } : {}),
        };
        if (Object.keys(patch).length === 0) return "Nothing to change: give an input or a config.";
        return modifyStep({ planId, stepKey, reason, expectedVersion, patch });
      }}
    >
      <JsonField label="Input (JSON)" value={inputText} onChange={setInputText} rows={8} />
      <JsonField label="Config (JSON; empty leaves it as it is)" value={configText} onChange={setConfigText} />
    </Intervene>
  );
}

export function RemoveStepAction({ shown, planId, stepKey, version, onReport }: EditProps) {
  const [removed, removeStep] = useMutation(RemoveStep);
  return (
    <Intervene
      danger
      shown={shown}
      label="Remove step"
      version={version}
      disabled={removed.fetching}
      onReport={onReport}
      description="Removes the step from the plan; a step another depends on cannot be removed."
      send={(reason, expectedVersion) => removeStep({ planId, stepKey, reason, expectedVersion })}
    />
  );
}
