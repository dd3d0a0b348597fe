"""Helpers for the CNN course: one small module per idea.

- ``helpers.data``: MNIST and Fashion-MNIST, loaded (the notebook-facing data API).
- ``helpers.datasets``: what the data sets are, where their files live, the IDX format.
- ``helpers.fetch``: fetching the data sets from the first source that works, verified.
- ``helpers.files``: files on disk: checksums, and the one atomic write every file goes through.
- ``helpers.system``: what this machine offers the course (versions, threads, data).
- ``helpers.plots``: pictures of images, arrays and training results (the notebook-facing plotting API),
  from ``helpers.pictures`` (images and arrays), ``helpers.curves`` (training curves, the live plot) and
  ``helpers.results`` (confusion matrix, mistakes, class probabilities).
- ``helpers.figures``: the course's figure style (sizes, fonts, dpi) and figures that widgets redraw in place.
- ``helpers.widgets``: the first widgets: does this front end run them, a digit browser,
  the invariance explorer.
- ``helpers.conv_widgets``: convolution and pooling steppers, the kernel editor, the size explorer.
- ``helpers.mlp_widgets``: the MLP parameter counter and network drawing.
- ``helpers.descent``: gradient descent on a 2-D loss surface, and its explorer.
- ``helpers.neurons``: a single neuron drawn, softmax and its explorer.
- ``helpers.conv``: convolution and pooling in numpy.
- ``helpers.conv_core``: what conv and pooling share: argument checks, the plan, the vectorized core.
- ``helpers.conv_backward``: the backward passes of convolution and pooling (lesson 08).
- ``helpers.animation``: step-by-step animations of convolution and pooling.
- ``helpers.tensors``: data on its way into a network: seeds, devices, tensors and their checks.
- ``helpers.evaluation``: loss, accuracy and class probabilities of a trained network.
- ``helpers.callbacks``: what fit does besides training: early stopping, checkpoints, the callback hook.
- ``helpers.training``: a small, fast training loop over tensors (train_epoch, fit), with one callback hook.
- ``helpers.checkpoints``: saving and loading trained weights safely (checksummed, weights only).
- ``helpers.models``: the course's networks and the recipes that train them.
- ``helpers.ingredients``: lesson 09's recipe ingredients, measured: activation statistics, the learning-rate
  range test, short side-by-side runs.
- ``helpers.features``: inside a trained network: filters and feature maps.
- ``helpers.drawing``: draw a digit with the mouse for a trained network to read.
- ``helpers.augment``: rotations, shifts, zooms and random affine augmentation.
- ``helpers.architectures``: landmark architectures' building blocks at 28 × 28.
- ``helpers.explain``: what a trained network looks at: occlusion, saliency, Grad-CAM, FGSM.
- ``helpers.explain_widgets``: the explanation explorer.
- ``helpers.robustness``: accuracy under FGSM, adversarial training, few-label subsets and frozen features.
- ``helpers.block_diagrams``: landmark architectures' blocks drawn, and the code that runs them.
- ``helpers.receptive_field``: how far each layer sees, and the explorer that lights it up.
- ``helpers.kernel_learning``: a 3 × 3 kernel learned by gradient descent, animated.
- ``helpers.validate``: the argument checks shared by the notebook-facing functions.
- ``helpers.exercises``: exercises that check themselves, and the course map of progress.
"""

__version__ = "0.1.0"
