// Reads .glb files the way studios' tools do and prints one JSON line per file:
//   node read_gltf.mjs validate A.glb ...   the Khronos glTF validator's report (errors, warnings, messages)
//   node read_gltf.mjs three FPS A.glb ...  three.js GLTFLoader: morph target names, clip durations and
//                                           each mesh's morph weights at every 1/FPS s of its first clip
import { readFileSync } from "node:fs";
import { validateBytes } from "gltf-validator";
import { AnimationMixer, LoopOnce } from "three";
import { GLTFLoader } from "three/addons/loaders/GLTFLoader.js";

async function validate(path) {
  const report = await validateBytes(new Uint8Array(readFileSync(path)));
  const messages = report.issues.messages.filter((m) => m.severity <= 1).map((m) => `${m.code} ${m.pointer ?? ""}: ${m.message}`);
  return { path, errors: report.issues.numErrors, warnings: report.issues.numWarnings, messages: messages.slice(0, 20) };
}

function parse(path) {
  const bytes = readFileSync(path);
  const buffer = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength);
  return new Promise((resolve, reject) => new GLTFLoader().parse(buffer, "", resolve, reject));
}

async function three(path, fps) {
  const gltf = await parse(path);
  const meshes = [];
  gltf.scene.traverse((o) => { if (o.isMesh && o.morphTargetDictionary) meshes.push(o); });
  const clips = gltf.animations.map((c) => ({ name: c.name, duration: c.duration, start: Math.min(...c.tracks.map((t) => t.times[0])) }));
  const out = { path, clips, meshes: meshes.map((m) => ({ name: m.name, targets: Object.keys(m.morphTargetDictionary).sort((a, b) => m.morphTargetDictionary[a] - m.morphTargetDictionary[b]) })) };
  if (gltf.animations.length && meshes.length) {
    const mixer = new AnimationMixer(gltf.scene);
    const action = mixer.clipAction(gltf.animations[0]);
    action.setLoop(LoopOnce, 1);  // played once and held, so the clip's last time is its last key, not its first
    action.clampWhenFinished = true;
    action.play();
    const frames = Math.round(gltf.animations[0].duration * fps) + 1;
    out.weights = meshes.map(() => []);
    for (let k = 0; k < frames; k++) {
      mixer.setTime(k / fps);
      meshes.forEach((m, i) => out.weights[i].push(Array.from(m.morphTargetInfluences)));
    }
  }
  return out;
}

const [mode, ...args] = process.argv.slice(2);
if (mode === "validate") {
  for (const path of args) console.log(JSON.stringify(await validate(path)));
} else if (mode === "three") {
  const fps = Number(args.shift());
  for (const path of args) console.log(JSON.stringify(await three(path, fps)));
} else {
  console.error("usage: node read_gltf.mjs validate|three [FPS] FILE.glb ...");
  process.exit(2);
}
